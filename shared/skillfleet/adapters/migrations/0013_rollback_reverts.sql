-- What a rollback did to each service that had merged the yanked release: the PR back to the previous
-- version (open, merged, closed), or why there was none. record-merge settles it when that PR merges,
-- and only then does service_skills name the previous version (the PR's branch may name a version the
-- registry never recorded as a release, so the rollout items cannot find it).
CREATE TABLE rollback_reverts (
    release_id integer NOT NULL REFERENCES skill_releases (id),   -- the yanked release
    repo       text NOT NULL REFERENCES services (repo),
    to_version text CHECK (to_version ~ '^\d+\.\d+\.\d+$'),      -- NULL: no earlier version to go back to
    state      text NOT NULL CHECK (state IN ('pr_open', 'merged', 'closed', 'moved_on', 'no_previous')),
    pr_number  integer,
    pr_url     text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (release_id, repo),
    CHECK ((state IN ('pr_open', 'merged', 'closed')) = (pr_number IS NOT NULL AND to_version IS NOT NULL))
);
CREATE INDEX rollback_reverts_by_pr ON rollback_reverts (repo, pr_number) WHERE pr_number IS NOT NULL;
