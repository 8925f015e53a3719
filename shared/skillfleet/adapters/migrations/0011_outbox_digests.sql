-- Slack digests through the outbox: a digest is recorded under its run-once key when a handler decides
-- to send it and sent by a flush (the handler's, then every sla-sweep run); a failed send stays pending
-- with a growing not_before, so an outage delays a digest and never drops it, and a sent row is never
-- sent again. `kind` keeps digests apart from bus messages ('bus': data is a message, 'digest': a Digest).
ALTER TABLE outbox ADD COLUMN kind text NOT NULL DEFAULT 'bus' CHECK (kind IN ('bus', 'digest'));
ALTER TABLE outbox ADD COLUMN attempts integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error text;
CREATE INDEX outbox_pending_kind ON outbox (kind, id) WHERE published_at IS NULL;
