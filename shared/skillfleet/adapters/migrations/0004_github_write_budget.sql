-- One GitHub write budget per identity (an App, or a static token's digest), shared by every
-- instance (issue 9): the epoch seconds of the writes spent in the last hour, and the time GitHub
-- itself asked everyone to wait until (retry-after, x-ratelimit-reset). One row, taken under a row lock.
CREATE TABLE github_write_budget (
    identity      text PRIMARY KEY,
    stamps        double precision[] NOT NULL DEFAULT '{}',
    bookings      jsonb NOT NULL DEFAULT '{}',   -- operation -> the second its deferred writes are booked at
    blocked_until double precision NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
