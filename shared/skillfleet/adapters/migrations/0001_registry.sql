-- The registry: which service runs which skill version, releases, and their rollout.

CREATE TABLE services (
    repo           text PRIMARY KEY,
    team           text NOT NULL,
    default_branch text NOT NULL DEFAULT 'main',
    opted_out      boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE service_skills (
    repo    text NOT NULL REFERENCES services (repo) ON DELETE CASCADE,
    skill   text NOT NULL,
    version text NOT NULL CHECK (version ~ '^\d+\.\d+\.\d+$'),
    since   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repo, skill)
);
CREATE INDEX service_skills_by_skill ON service_skills (skill, version);

CREATE TABLE skill_releases (
    id               serial PRIMARY KEY,
    skill            text NOT NULL,
    version          text NOT NULL CHECK (version ~ '^\d+\.\d+\.\d+$'),
    previous_version text CHECK (previous_version ~ '^\d+\.\d+\.\d+$'),
    severity         text NOT NULL CHECK (severity IN ('patch', 'minor', 'major', 'security')),
    tag              text NOT NULL,
    commit_sha       text NOT NULL,
    bundle_uri       text NOT NULL,
    bundle_sha256    text NOT NULL,
    changelog        text NOT NULL DEFAULT '',
    reasons          jsonb NOT NULL DEFAULT '[]',
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (skill, version)
);

CREATE TABLE rollout_items (
    release_id       integer NOT NULL REFERENCES skill_releases (id),
    repo             text NOT NULL REFERENCES services (repo),
    state            text NOT NULL DEFAULT 'requested' CHECK (state IN
                     ('requested', 'pr_open', 'merged', 'rejected', 'conflict', 'failed', 'superseded')),
    wave             integer NOT NULL DEFAULT 0,
    pr_number        integer,
    pr_url           text,
    reason           text,
    attempts         integer NOT NULL DEFAULT 0,
    lease_owner      text,
    lease_expires_at timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    state_changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (release_id, repo),
    CHECK ((lease_owner IS NULL) = (lease_expires_at IS NULL))
);
CREATE INDEX rollout_items_by_pr ON rollout_items (repo, pr_number) WHERE pr_number IS NOT NULL;
CREATE INDEX rollout_items_by_state ON rollout_items (release_id, state);

-- idempotency keys: the first insert of (scope, key) wins
CREATE TABLE processed_messages (
    scope      text NOT NULL,
    key        text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

CREATE TABLE audit_log (
    id      bigserial PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    kind    text NOT NULL,
    subject text NOT NULL,
    detail  jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_by_subject ON audit_log (subject, id);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'record a new audit entry instead of changing an old one';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

CREATE TABLE dead_letters (
    id           bigserial PRIMARY KEY,
    subscription text NOT NULL,
    message_type text NOT NULL,
    data         bytea NOT NULL,
    attributes   jsonb NOT NULL DEFAULT '{}',
    error        text NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    replayed_at  timestamptz
);
CREATE INDEX dead_letters_waiting ON dead_letters (id) WHERE replayed_at IS NULL;

-- the skills promotion workflow: staging/<skill> -> <skill>
CREATE TABLE promotions (
    id        bigserial PRIMARY KEY,
    skill     text NOT NULL,
    version   text NOT NULL,
    from_path text NOT NULL,
    to_path   text NOT NULL,
    validated boolean NOT NULL,
    forced    boolean NOT NULL DEFAULT false,
    actor     text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now(),
    detail    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX promotions_by_skill ON promotions (skill, id);
