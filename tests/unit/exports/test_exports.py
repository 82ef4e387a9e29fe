"""CRM exports and tag sync on a hand-made published DuckDB, against the real WeCom simulator."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from siyu.exports.profiles import export_date
from siyu.exports.sync import sync_tags
from siyu.sources.wecom.client import WeComError
from siyu_dev.simulator.wecom_server import serve
from tests.support.exports import client_for, published_db


def test_export_is_complete_and_idempotent(tmp_path):
    db = tmp_path / "siyu.duckdb"
    published_db(db, [("c1", "e1", "s1"), ("c1", "e1", "s2"), ("c2", "e2", "s1")], [("c1", "high_value")])
    first = export_date(db, tmp_path / "exports", "2026-11-24")
    second = export_date(db, tmp_path / "exports", "2026-11-24")
    assert first == second  # same rows → same bytes
    assert first["rows"] == {"customer_profiles": 2, "staff_audiences": 3, "staff": 2}
    folder = tmp_path / "exports" / "2026-11-24"
    profiles = pq.read_table(folder / "customer_profiles.parquet").to_pylist()
    assert profiles[0]["customer_id"] == "c1" and profiles[0]["tags"] == ["high_value"]
    assert profiles[1]["tags"] is None
    assert json.loads((folder / "staff_audiences.json").read_text()) == {"s1": ["e1", "e2"], "s2": ["e1"]}
    header = (folder / "customer_profiles.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith('"customer_id"')
    assert not [p for p in (tmp_path / "exports").iterdir() if p.name.startswith(".")]


@pytest.fixture
def corp(small_world):
    state = json.loads(small_world.wecom_state.read_text())
    return state


def test_tag_sync_applies_once_retries_failures_and_then_does_nothing(corp, tmp_path):
    relations = [
        (f["userid"], c["external_contact"]["external_userid"])
        for c in corp["contacts"]
        for f in c["follow_user"]
    ][:30]
    contacts = [(f"c_{ext}", ext, staff) for staff, ext in relations]
    tags = [(f"c_{ext}", "high_value") for _, ext in relations[:20]] + [
        (f"c_{ext}", "repeat_buyer") for _, ext in relations[10:25]
    ]
    db = tmp_path / "siyu.duckdb"
    published_db(db, contacts, tags)

    broken, _ = serve(corp, faults=1.0)  # every request fails: nothing can be applied
    healthy, _ = serve(corp)  # the same corp (shared state), answering normally
    try:
        with client_for(healthy) as client:
            planned = sync_tags(client, db, dry_run=True)["planned"]
        assert planned >= 25
        with client_for(broken, attempts=2) as client, pytest.raises(WeComError):
            sync_tags(client, db)  # cannot even read the corp's tags
        with client_for(healthy) as client:
            first = sync_tags(client, db)
        assert first["applied"] == planned and first["failed"] == 0
        assert healthy.calls["externalcontact/mark_tag"] == planned
        with client_for(healthy) as client:
            second = sync_tags(client, db)
        assert second == {"left_out": 0, "planned": 0, "adds": 0, "removes": 0, "applied": 0, "failed": 0}
        assert healthy.calls["externalcontact/mark_tag"] == planned  # no second call
    finally:
        for server in (broken, healthy):
            server.shutdown()
            server.server_close()


def test_a_failed_mark_tag_is_applied_by_the_next_run_and_only_once(corp, tmp_path):
    from siyu.exports.sync import corp_tag_ids, current_tags, desired_by_contact, load_mapping
    from siyu.exports.tag_sync import apply, plan

    relations = [
        (f["userid"], c["external_contact"]["external_userid"])
        for c in corp["contacts"]
        for f in c["follow_user"]
    ][:40]
    db = tmp_path / "siyu.duckdb"
    published_db(
        db, [(f"c_{e}", e, s) for s, e in relations], [(f"c_{e}", "new_customer") for _, e in relations]
    )
    flaky, _ = serve(corp, faults=0.5, seed=4)
    healthy, _ = serve(corp)
    try:
        with client_for(healthy) as reader, client_for(flaky, attempts=1) as writer:
            ids = corp_tag_ids(reader, load_mapping())
            changes = plan(desired_by_contact(db, ids), current_tags(reader), set(ids.values()))
            first = apply(changes, writer)
        assert first.failed and first.applied  # some calls failed, some went through
        with client_for(healthy) as client:
            second = sync_tags(client, db)
        assert second["applied"] == len(first.failed) and second["failed"] == 0
        assert healthy.calls["externalcontact/mark_tag"] == len(first.failed)
    finally:
        for server in (flaky, healthy):
            server.shutdown()
            server.server_close()
