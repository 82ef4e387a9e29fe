"""Every export path leaves out who may not be contacted (customer_consent), and says how many: the
CRM profiles (can_contact), the staff audiences (can_contact_wecom) and the WeCom tag sync, which
neither adds nor removes a tag on their relations (against the real WeCom simulator)."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from siyu.exports.profiles import NoConsentMart, export_date
from siyu.exports.sync import current_tags, sync_tags
from siyu_dev.simulator.wecom_server import serve
from tests.support.exports import client_for, published_db

DAY = "2026-11-24"
# c1 opted out; c2 may be contacted, but deleted every staff member on WeCom; c3 may be contacted
CONTACTS = [("c1", "e1", "s1"), ("c1", "e1", "s2"), ("c2", "e2", "s1"), ("c3", "e3", "s2")]
CONSENT = {"c1": (False, False), "c2": (True, False)}


def test_profiles_and_audiences_leave_out_who_may_not_be_contacted(tmp_path):
    db = tmp_path / "siyu.duckdb"
    published_db(db, CONTACTS, [("c1", "high_value"), ("c3", "high_value")], CONSENT)
    manifest = export_date(db, tmp_path / "exports", DAY)
    folder = tmp_path / "exports" / DAY
    profiles = pq.read_table(folder / "customer_profiles.parquet").to_pylist()
    assert [p["customer_id"] for p in profiles] == ["c2", "c3"]
    audiences = pq.read_table(folder / "staff_audiences.parquet").to_pylist()
    assert [(a["staff_userid"], a["external_userid"]) for a in audiences] == [("s2", "e3")]
    assert json.loads((folder / "staff_audiences.json").read_text()) == {"s2": ["e3"]}
    for name in ("customer_profiles.csv", "staff_audiences.csv"):
        text = (folder / name).read_text(encoding="utf-8-sig")
        assert "c1" not in text and "e1" not in text
    assert manifest["rows"] == {"customer_profiles": 2, "staff_audiences": 1, "staff": 1}
    left_out = {"customer_profiles": 1, "staff_audiences": 3, "staff_audience_customers": 2}
    assert manifest["left_out"] == left_out
    assert json.loads((folder / "_manifest.json").read_text())["left_out"] == manifest["left_out"]


def test_everyone_contactable_leaves_out_no_one(tmp_path):
    db = tmp_path / "siyu.duckdb"
    published_db(db, CONTACTS, None)
    manifest = export_date(db, tmp_path / "exports", DAY)
    assert manifest["rows"]["customer_profiles"] == 3 and manifest["rows"]["staff_audiences"] == 4
    assert set(manifest["left_out"].values()) == {0}


def test_a_publication_without_consent_exports_and_syncs_nothing(tmp_path):
    import duckdb

    db = tmp_path / "siyu.duckdb"
    published_db(db, CONTACTS, [("c3", "high_value")])
    with duckdb.connect(str(db)) as con:
        con.execute("drop table customer_consent")
    with pytest.raises(NoConsentMart, match="no customer_consent"):
        export_date(db, tmp_path / "exports", DAY)
    assert not (tmp_path / "exports" / DAY).exists()
    with pytest.raises(NoConsentMart):
        sync_tags(None, db)  # refused before any call to WeCom


@pytest.fixture
def corp(small_world):
    return json.loads(small_world.wecom_state.read_text())


def test_tag_sync_leaves_the_relations_of_who_may_not_be_contacted_alone(corp, tmp_path):
    relations = sorted({(f["userid"], c["external_contact"]["external_userid"])
                        for c in corp["contacts"] for f in c["follow_user"]})[:24]  # fmt: skip
    exts = sorted({e for _, e in relations})
    blocked = set(exts[:4])
    consent = {f"c_{e}": (e != exts[0], False) for e in blocked}  # one opted out, three deleted staff
    db = tmp_path / "siyu.duckdb"
    server, _ = serve(corp)
    try:
        with client_for(server) as client:
            before = current_tags(client)
            published_db(db, [(f"c_{e}", e, s) for s, e in relations],
                         [(f"c_{e}", "high_value") for e in exts], consent)  # fmt: skip
            first = sync_tags(client, db)
            middle = current_tags(client)
            # the next day nobody is high_value any more: the allowed lose the tag, the blocked keep theirs
            db.unlink()
            contacts = [(f"c_{e}", e, s) for s, e in relations]
            published_db(db, contacts, [(f"c_{exts[-1]}", "unmapped")], consent)
            second = sync_tags(client, db)
            after = current_tags(client)
    finally:
        server.shutdown()
        server.server_close()
    held = [f for f in before if f[1] in blocked]
    assert held and first["left_out"] == second["left_out"] == len(held)
    for follow in held:
        assert before[follow] == middle[follow] == after[follow]  # never touched
    allowed = [f for f in relations if f[1] not in blocked]
    assert first["applied"] > 0 and first["failed"] == 0
    assert any(middle[f] != before[f] for f in allowed)  # the allowed were tagged...
    assert second["removes"] > 0 and any(after[f] != middle[f] for f in allowed)  # ...and untagged


def test_name_columns_leave_the_exports_unless_configured(monkeypatch):
    import pyarrow as pa

    from siyu.exports.profiles import without_names

    table = pa.table(
        {"customer_id": ["c1"], "remark": ["王女士"], "group_nickname": ["小王"], "tags": [["a"]]}
    )
    monkeypatch.delenv("SIYU_EXPORT_NAMES", raising=False)
    assert without_names(table).column_names == ["customer_id", "tags"]
    monkeypatch.setenv("SIYU_EXPORT_NAMES", "1")
    assert without_names(table).column_names == ["customer_id", "remark", "group_nickname", "tags"]
