"""Each team's Slack channel: where the alerts about its own PRs go (conflicts, escalations)."""
from __future__ import annotations

from typing import Any


def write(cur: Any, team: str, channel: str | None) -> bool:
    """Set (or with None, clear) the team's channel; True when that changed something."""
    if channel is None:
        cur.execute("DELETE FROM team_channels WHERE team = %s RETURNING team", (team,))
    else:
        cur.execute(
            """INSERT INTO team_channels (team, slack_channel) VALUES (%s, %s)
               ON CONFLICT (team) DO UPDATE SET slack_channel = EXCLUDED.slack_channel, updated_at = now()
               WHERE team_channels.slack_channel IS DISTINCT FROM EXCLUDED.slack_channel
               RETURNING team""", (team, channel))
    return cur.fetchone() is not None


def read_all(cur: Any) -> dict[str, str]:
    cur.execute("SELECT team, slack_channel FROM team_channels ORDER BY team")
    return {team: channel for team, channel in cur.fetchall()}
