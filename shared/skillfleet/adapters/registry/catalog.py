"""Services, the skill versions they run, and skill releases."""
from __future__ import annotations

from ...domain.model import Release, Service, ServiceSkill
from . import automerge, teams
from . import rows as rec
from .base import RegistryBase
from .sql import jsonb, one, rows

_RELEASE_COLUMNS = ("skill, version, previous_version, severity, tag, commit_sha, bundle_uri, "
                    "bundle_sha256, changelog, reasons, breaking")
# strict MAJOR.MINOR.PATCH (a CHECK constraint), so numeric ordering is exact
_BY_VERSION_DESC = "string_to_array(version, '.')::int[] DESC"


class CatalogStore(RegistryBase):
    def upsert_service(self, service: Service) -> None:
        with self._tx() as cur:
            cur.execute(
                """INSERT INTO services (repo, team, default_branch, opted_out, pilot) VALUES (%s, %s, %s, %s, %s)
                   ON CONFLICT (repo) DO UPDATE SET team = EXCLUDED.team,
                       default_branch = EXCLUDED.default_branch, opted_out = EXCLUDED.opted_out,
                       pilot = EXCLUDED.pilot, updated_at = now()
                   WHERE (services.team, services.default_branch, services.opted_out, services.pilot)
                         IS DISTINCT FROM (EXCLUDED.team, EXCLUDED.default_branch, EXCLUDED.opted_out,
                                           EXCLUDED.pilot)""",
                (service.repo, service.team, service.default_branch, service.opted_out, service.pilot),
            )

    def get_service(self, repo: str) -> Service | None:
        with self._tx() as cur:
            cur.execute("SELECT * FROM services WHERE repo = %s", (repo,))
            row = one(cur)
        return rec.service(row) if row else None

    def list_services(self, *, skill: str | None = None, include_opted_out: bool = False) -> list[Service]:
        """Services ordered by repo; with `skill`, only those that run some version of it."""
        sql = "SELECT s.* FROM services s WHERE (%s OR NOT s.opted_out)"
        params: list[object] = [include_opted_out]
        if skill is not None:
            sql += " AND EXISTS (SELECT 1 FROM service_skills k WHERE k.repo = s.repo AND k.skill = %s)"
            params.append(skill)
        with self._tx() as cur:
            cur.execute(sql + " ORDER BY s.repo", tuple(params))
            return [rec.service(row) for row in rows(cur)]

    def service_auto_merge(self, repo: str) -> bool | None:
        with self._tx() as cur:
            return automerge.read(cur, repo)

    def set_service_auto_merge(self, repo: str, on: bool | None) -> bool:
        with self._tx() as cur:
            return automerge.write(cur, repo, on)

    def set_team_channel(self, team: str, channel: str | None) -> bool:
        with self._tx() as cur:
            return teams.write(cur, team, channel)

    def team_channels(self) -> dict[str, str]:
        with self._tx() as cur:
            return teams.read_all(cur)

    def set_service_skill(self, repo: str, skill: str, version: str) -> None:
        """Record that `repo` runs `skill` at `version`; `since` moves only when the version changes."""
        with self._tx() as cur:
            cur.execute(
                """INSERT INTO service_skills (repo, skill, version) VALUES (%s, %s, %s)
                   ON CONFLICT (repo, skill) DO UPDATE SET version = EXCLUDED.version, since = now()
                   WHERE service_skills.version <> EXCLUDED.version""",
                (repo, skill, version),
            )

    def service_skills(self, *, skill: str | None = None, repo: str | None = None) -> list[ServiceSkill]:
        with self._tx() as cur:
            cur.execute(
                """SELECT * FROM service_skills WHERE (%s::text IS NULL OR skill = %s)
                   AND (%s::text IS NULL OR repo = %s) ORDER BY repo, skill""",
                (skill, skill, repo, repo),
            )
            return [rec.service_skill(row) for row in rows(cur)]

    def rollout_candidates(self, skill: str, below: str) -> list[Service]:
        """Fan-out's selection in one query: the version compare and the opt-out filter run in
        the database, and only the three columns a wave plan needs come back."""
        with self._tx() as cur:
            cur.execute(
                """SELECT s.repo, s.team, s.pilot FROM services s JOIN service_skills k ON k.repo = s.repo
                   WHERE k.skill = %s AND NOT s.opted_out
                     AND string_to_array(k.version, '.')::int[] < string_to_array(%s, '.')::int[]
                     AND NOT EXISTS (SELECT 1 FROM skill_ignores g WHERE g.repo = s.repo AND g.skill = k.skill
                                     AND (g.version = %s OR g.from_major <= split_part(%s, '.', 1)::int))
                   ORDER BY s.repo""",
                (skill, below, below, below))
            found = cur.fetchall()
        return [Service(repo=repo, team=team, pilot=pilot)
                for repo, team, pilot in found]

    def record_release(self, release: Release) -> tuple[Release, bool]:
        """Insert the release; a repeat of (skill, version) returns the stored row and False."""
        values = (release.skill, release.version, release.previous_version, release.severity.value,
                  release.tag, release.commit_sha, release.bundle_uri, release.bundle_sha256,
                  release.changelog, jsonb(list(release.reasons)), release.breaking)
        with self._tx() as cur:
            cur.execute(
                f"""INSERT INTO skill_releases ({_RELEASE_COLUMNS})
                    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s)
                    ON CONFLICT (skill, version) DO NOTHING RETURNING *""",
                values,
            )
            row = one(cur)
            if row is not None:
                return rec.release(row), True
            cur.execute("SELECT * FROM skill_releases WHERE skill = %s AND version = %s",
                        (release.skill, release.version))
            existing = one(cur)
        assert existing is not None   # the conflict means it exists, and releases are never deleted
        return rec.release(existing), False

    def get_release(self, skill: str, version: str) -> Release | None:
        with self._tx() as cur:
            cur.execute("SELECT * FROM skill_releases WHERE skill = %s AND version = %s", (skill, version))
            row = one(cur)
        return rec.release(row) if row else None

    def get_release_by_id(self, release_id: int) -> Release | None:
        with self._tx() as cur:
            cur.execute("SELECT * FROM skill_releases WHERE id = %s", (release_id,))
            row = one(cur)
        return rec.release(row) if row else None

    def latest_release(self, skill: str) -> Release | None:
        """The highest version recorded for `skill` (by semver, not by arrival time)."""
        with self._tx() as cur:
            cur.execute(f"SELECT * FROM skill_releases WHERE skill = %s ORDER BY {_BY_VERSION_DESC} LIMIT 1",
                        (skill,))
            row = one(cur)
        return rec.release(row) if row else None
