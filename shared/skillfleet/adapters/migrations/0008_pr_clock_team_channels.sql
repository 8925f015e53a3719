-- Issue 11: the SLA clock of a PR starts when its PR opens (not at the release), and each team's
-- Slack channel for the alerts about its own PRs.
ALTER TABLE rollout_items ADD COLUMN pr_opened_at timestamptz;
-- items recorded before this column: the moment they last changed state is the best known
UPDATE rollout_items SET pr_opened_at = state_changed_at WHERE pr_number IS NOT NULL;

CREATE TABLE team_channels (
    team          text PRIMARY KEY,
    slack_channel text NOT NULL CHECK (slack_channel ~ '^(#[a-z0-9][a-z0-9_-]{0,79}|[CG][A-Z0-9]{8,})$'),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
