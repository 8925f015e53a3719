"""The pilot wave: services flagged `pilot` go first, topped up by the stable hash; services files
carry the flag."""
from __future__ import annotations

from skillfleet.cli.services_cmd import parse_services
from skillfleet.domain.model import Service
from skillfleet.domain.rollout import plan_waves

STAGED = (1, 10, 25, 100)


def fleet(n: int, pilots: tuple[int, ...] = ()) -> list[Service]:
    return [Service(repo=f"o/svc-{i:02d}", team="t", pilot=i in pilots) for i in range(n)]


def test_pilots_are_the_first_wave_whatever_the_hash_says():
    waves = plan_waves(fleet(50, pilots=(7, 31, 44)), STAGED, salt="s@3.0.0")
    assert sorted(r for r, w in waves.items() if w == 0) == ["o/svc-07", "o/svc-31", "o/svc-44"]
    assert sorted(set(waves.values())) == [0, 1, 2, 3]


def test_too_few_pilots_are_topped_up_by_the_hash():
    services = fleet(200, pilots=(3,))
    waves = plan_waves(services, STAGED, salt="s@3.0.0")
    first = [r for r, w in waves.items() if w == 0]
    assert len(first) == 2 and "o/svc-03" in first          # 1 % of 200
    assert plan_waves(services, STAGED, salt="s@3.0.0") == waves   # stable on a re-run


def test_a_single_wave_release_ignores_the_flag():
    assert set(plan_waves(fleet(5, pilots=(1,)), (100,), salt="x").values()) == {0}


def test_the_services_file_carries_the_pilot_flag(tmp_path):
    path = tmp_path / "services.csv"
    path.write_text("repo,team,pilot\nacme/a,pay,true\nacme/b,pay,\n")
    assert [(s.repo, s.pilot) for s, _ in parse_services(path)] == [("acme/a", True), ("acme/b", False)]
