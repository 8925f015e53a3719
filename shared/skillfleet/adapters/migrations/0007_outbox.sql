-- The transactional outbox: a message a registry change owes the bus is written in the change's own
-- transaction and published by whoever comes next (the handler's retry, or sla-sweep), so a failed
-- publish is never lost. `key` is the message's natural key: enqueued once, published once.
-- Published rows are kept (the key keeps a late repeat from publishing again).
CREATE TABLE outbox (
    id            bigserial PRIMARY KEY,
    key           text NOT NULL UNIQUE,
    subject       text NOT NULL DEFAULT '',
    topic         text NOT NULL,
    data          text NOT NULL,           -- the JSON body, as messages.encode writes it
    attributes    jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    claimed_by    text,
    claimed_until timestamptz,
    published_at  timestamptz
);
CREATE INDEX outbox_pending ON outbox (subject, id) WHERE published_at IS NULL;
