"""drift-scan through the fakes: edits outside service-owned paths are reported once; remediation asks
for the latest release only for the drifted services."""
from __future__ import annotations

from fakes import Fleet
from skillfleet.domain.messages import ScanDrift, UpdateRepo
from skillfleet.handlers import drift_scan

# world.services(3): svc-00 added its own `custom-*` step and svc-02 set options.machineType (both
# service-owned), svc-01 added env vars to the managed `test` step: that one is drift
DRIFTED = "acme/search-svc-01"


def test_drift_outside_owned_paths_is_reported_in_one_digest() -> None:
    fleet = Fleet(services=3)
    scan = ScanDrift(requested_at=fleet.clock())
    fleet.run(drift_scan.handle, scan)
    fleet.run(drift_scan.handle, scan)                                  # a redelivery: no second digest
    [digest] = fleet.notifier.digests
    assert digest.kind == "drift" and digest.counts["scanned"] == 3 and digest.counts["drifted"] == 1
    [line] = digest.lines
    assert line.startswith(f"{DRIFTED}: .cloudbuild/cloudbuild.yaml: ") and "steps[id=test].env" in line
    assert fleet.bus.published == []                                     # reporting changes nothing


def test_a_deleted_managed_file_and_a_wrong_recorded_version_are_findings() -> None:
    fleet = Fleet(services=1)
    repo = fleet.services[0].repo
    fleet.forge.push(repo, {".cloudbuild/cloudbuild.yaml": None}, "remove the pipeline")
    fleet.registry.set_service_skill(repo, Fleet.SKILL, "2.0.1")
    fleet.run(drift_scan.handle, ScanDrift(requested_at=fleet.clock(), skill=Fleet.SKILL))
    [digest] = fleet.notifier.digests
    text = "\n".join(digest.lines)
    assert "(file missing)" in text and "2.0.1" in text


def test_remediation_requests_the_latest_release_for_drifted_services_only() -> None:
    fleet = Fleet(services=3)
    release = fleet.record_release()
    fleet.run(drift_scan.handle, ScanDrift(requested_at=fleet.clock(), remediate=True))
    [update] = fleet.bus.of_type(UpdateRepo)
    assert (update.repo, update.version, update.release_id) == (DRIFTED, "2.1.0", release.id)


def test_remediation_never_proposes_a_yanked_version() -> None:
    fleet = Fleet(services=3)
    release = fleet.record_release()
    fleet.registry.yank_release(release.id or 0, actor="alice", reason="broke the builds")
    fleet.run(drift_scan.handle, ScanDrift(requested_at=fleet.clock(), remediate=True))
    assert fleet.bus.of_type(UpdateRepo) == []
    assert drift_scan.proposable_release(fleet.registry, Fleet.SKILL) is None
    newer = fleet.registry.record_release(release.model_copy(update={
        "id": None, "version": "2.2.0", "previous_version": "2.1.0", "tag": f"{Fleet.SKILL}-v2.2.0"}))[0]
    fleet.registry.yank_release(newer.id or 0, actor="alice")
    assert drift_scan.proposable_release(fleet.registry, Fleet.SKILL) is None   # 2.2.0 → 2.1.0: both yanked


def test_a_yanked_newest_release_falls_back_to_the_one_before() -> None:
    fleet = Fleet(services=3)
    release = fleet.record_release()
    newer = fleet.registry.record_release(release.model_copy(update={
        "id": None, "version": "2.2.0", "previous_version": "2.1.0", "tag": f"{Fleet.SKILL}-v2.2.0"}))[0]
    fleet.registry.yank_release(newer.id or 0, actor="alice")
    fleet.run(drift_scan.handle, ScanDrift(requested_at=fleet.clock(), remediate=True))
    [update] = fleet.bus.of_type(UpdateRepo)
    assert (update.repo, update.version) == (DRIFTED, "2.1.0")
