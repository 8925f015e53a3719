-- Issue 8 (items 6 and 7): what teams decline with `/skills ignore` / `/skills ignore-major`, and the
-- head each update branch had when skillfleet last wrote it (a different head is a person's commit).
CREATE TABLE skill_ignores (
    repo       text NOT NULL,
    skill      text NOT NULL,
    version    text,          -- /skills ignore: this version only
    from_major int,           -- /skills ignore-major: every version whose major is at least this
    actor      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((version IS NULL) <> (from_major IS NULL))
);
CREATE UNIQUE INDEX skill_ignores_key ON skill_ignores (repo, skill, COALESCE(version, ''), COALESCE(from_major, -1));
CREATE INDEX skill_ignores_by_skill ON skill_ignores (skill);

ALTER TABLE rollout_items
    ADD COLUMN head_sha text,     -- the update branch's head as skillfleet last wrote it
    ADD COLUMN blocked  text,     -- why skillfleet stopped updating the branch ("edited by a person")
    ADD COLUMN takeover text;     -- a pending `/skills rebase` (its comment id): rewrite the branch once
