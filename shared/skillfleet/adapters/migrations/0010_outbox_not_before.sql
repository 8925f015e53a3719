-- A message held until a time: a Pub/Sub delivery deferred past what the subscription's retry policy
-- covers (e.g. the GitHub write budget returns in 40 minutes) is parked here and acked, and the outbox
-- flush (sla-sweep, every run) publishes it once `not_before` has passed. NULL: publish at once.
ALTER TABLE outbox ADD COLUMN not_before timestamptz;
CREATE INDEX outbox_held ON outbox (not_before) WHERE published_at IS NULL AND not_before IS NOT NULL;
