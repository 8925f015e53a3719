"""Where the team kit is: real GitHub payloads, recorded API exchanges and a corpus of real SKILL.md
files that tests compare against. It sits beside the checkout (`../shared`), as CI places it, or where
SKILLFLEET_TEAM_KIT says. A clone elsewhere skips the tests that need it, saying why; under CI
(CI=true) a missing kit is an error, so those tests are never skipped silently there."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

TEAM_KIT = Path(os.environ.get("SKILLFLEET_TEAM_KIT") or Path(__file__).resolve().parents[2] / "shared")
WEBHOOKS = TEAM_KIT / "fixtures" / "github" / "webhooks"
REPLAY = TEAM_KIT / "fixtures" / "github" / "replay"
SKILLS_CORPUS = TEAM_KIT / "corpus" / "skills"

_MISSING = not WEBHOOKS.is_dir()
if _MISSING and os.environ.get("CI", "").lower() in ("1", "true"):
    raise RuntimeError(f"the team kit is not at {TEAM_KIT}: CI must clone this repository beside shared/ "
                       "or set SKILLFLEET_TEAM_KIT")

needs_kit = pytest.mark.skipif(_MISSING, reason=f"the team kit is not at {TEAM_KIT}: clone this repository "
                                                 "beside shared/ or set SKILLFLEET_TEAM_KIT")
