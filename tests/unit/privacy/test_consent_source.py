"""The app DB's consent_events: simulated per user, landed incrementally like the other app-DB
entities, and optional (a brand's app DB without the table lands it empty)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, text

from siyu.lake import Lake, Partition
from siyu.sources.appdb.extract import land_entity
from siyu_dev.simulator.appdb import consent_events

KEY = b"k"


def test_the_simulated_world_holds_opt_ins_and_opt_outs_in_order(small_world):
    events = small_world.world.appdb_rows["consent_events"]
    actions = {e["action"] for e in events}
    assert actions == {"opt_in", "opt_out"}
    by_user: dict[str, list[dict]] = {}
    for e in events:
        by_user.setdefault(e["openid"], []).append(e)
    for evs in by_user.values():
        assert [e["occurred_at"] for e in evs] == sorted(e["occurred_at"] for e in evs)
    assert all(e["occurred_at"] < small_world.world.end for e in events)
    opted_out = sum(1 for evs in by_user.values() if evs[-1]["action"] == "opt_out")
    assert 0 < opted_out < len(by_user) / 4
    # drawn from each user's own generator: the same users give the same events
    assert consent_events(small_world.world.appdb_rows["mp_users"], small_world.world.end) == events


def test_consent_events_land_by_updated_at_window(small_world, tmp_path):
    engine = create_engine(small_world.appdb_url)
    lake = Lake(str(tmp_path))
    manifest = land_entity(engine, lake, "consent_events", "2026-11-24", KEY)
    rows = lake.read(Partition("appdb", "consent_events", "2026-11-24")).to_pylist()
    assert manifest.row_count == len(small_world.world.appdb_rows["consent_events"]) == len(rows) > 0
    assert rows[0]["occurred_at"].tzinfo is not None and all(r["quarantine_reason"] is None for r in rows)


def test_an_app_db_without_a_consent_table_lands_it_empty(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'brand.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("create table mp_users (openid text primary key)"))
    lake = Lake(str(tmp_path / "lake"))
    manifest = land_entity(engine, lake, "consent_events", "2026-11-24", KEY,
                           now=dt.datetime(2026, 11, 25, tzinfo=dt.UTC))  # fmt: skip
    assert manifest.row_count == 0
    assert lake.read(Partition("appdb", "consent_events", "2026-11-24")).num_rows == 0
