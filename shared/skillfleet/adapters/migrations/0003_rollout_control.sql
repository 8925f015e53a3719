-- Rollout control (issue 7): a release's phase, the waves opened (exactly once each), pilots,
-- yanked releases, aborted items and each merged item's post-merge CI result.
ALTER TABLE services ADD COLUMN pilot boolean NOT NULL DEFAULT false;
ALTER TABLE skill_releases ADD COLUMN yanked_at timestamptz;

ALTER TABLE rollout_items DROP CONSTRAINT rollout_items_state_check;
ALTER TABLE rollout_items ADD CONSTRAINT rollout_items_state_check CHECK (state IN
    ('requested', 'pr_open', 'merged', 'rejected', 'conflict', 'failed', 'superseded', 'aborted'));
ALTER TABLE rollout_items ADD COLUMN merge_sha text;
ALTER TABLE rollout_items ADD COLUMN ci_conclusion text;
CREATE INDEX rollout_items_by_merge_sha ON rollout_items (repo, merge_sha) WHERE merge_sha IS NOT NULL;

CREATE TABLE rollouts (
    release_id integer PRIMARY KEY REFERENCES skill_releases (id),
    phase      text NOT NULL DEFAULT 'running'
               CHECK (phase IN ('running', 'paused', 'aborted', 'rolled_back', 'done')),
    reason     text,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- the primary key is what makes a wave open exactly once under concurrent sweeps
CREATE TABLE rollout_waves (
    release_id integer NOT NULL REFERENCES skill_releases (id),
    wave       integer NOT NULL,
    opened_at  timestamptz NOT NULL,
    opened_by  text NOT NULL,
    reason     text,
    verdict    jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (release_id, wave)
);
