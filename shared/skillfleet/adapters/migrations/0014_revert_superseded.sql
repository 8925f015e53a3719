-- A rollback's PR back can be superseded: a newer release of the skill (the fix) opened its own PR in the
-- repo, and skillfleet closed the PR back with a link (`reason` says by what). `opened_at` is the PR back's
-- SLA clock for sla-sweep's reminders: set when the PR is first recorded, kept across a close and reopen.
ALTER TABLE rollback_reverts DROP CONSTRAINT rollback_reverts_state_check;
ALTER TABLE rollback_reverts DROP CONSTRAINT rollback_reverts_check;
ALTER TABLE rollback_reverts
    ADD COLUMN reason text,
    ADD COLUMN opened_at timestamptz,
    ADD CONSTRAINT rollback_reverts_state_check
        CHECK (state IN ('pr_open', 'merged', 'closed', 'moved_on', 'no_previous', 'superseded')),
    ADD CONSTRAINT rollback_reverts_pr_check
        CHECK ((state IN ('pr_open', 'merged', 'closed', 'superseded')) = (pr_number IS NOT NULL AND to_version IS NOT NULL));
UPDATE rollback_reverts SET opened_at = updated_at WHERE pr_number IS NOT NULL;
CREATE INDEX rollback_reverts_open ON rollback_reverts (repo) WHERE state = 'pr_open';
