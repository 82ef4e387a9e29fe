"""The simulator: seeded determinism, and the noise the pipeline is meant to survive."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter

import pyarrow.parquet as pq
from sqlalchemy import create_engine, select

from siyu.run_context import china_day
from siyu.sources.appdb import tables
from siyu_dev.simulator.people import TEST_PHONE
from siyu_dev.simulator.world import build_world, write_world

END = dt.date(2026, 11, 24)


def digest_files(folder) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix != ".sqlite"
    }


def appdb_rows(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = {
            t.name: conn.execute(select(t).order_by(*t.primary_key.columns)).fetchall()
            for t in tables.metadata.sorted_tables
        }
    engine.dispose()
    return rows


def test_same_arguments_give_byte_identical_output(tmp_path):
    outputs = []
    for run in ("a", "b"):
        folder = tmp_path / run
        url = f"sqlite:///{folder / 'appdb.sqlite'}"
        write_world(build_world(people=150, days=12, seed=3, end=END), folder, url)
        outputs.append((digest_files(folder), appdb_rows(url)))
    assert outputs[0] == outputs[1]
    assert len(outputs[0][0]) > 5  # truth, state, world.json and inbox files were all written
    other = build_world(people=150, days=12, seed=4, end=END)
    assert other.wecom_state != build_world(people=150, days=12, seed=3, end=END).wecom_state


def test_noise_matches_the_specified_rates(small_world):
    world = small_world.world
    contacts = [c["external_contact"] for c in world.wecom_state["contacts"]]
    without_unionid = sum("unionid" not in c for c in contacts) / len(contacts)
    assert 0.2 < without_unionid < 0.4
    customers = [u for u in world.appdb_rows["mp_users"] if u["phone"] != TEST_PHONE]
    no_phone = sum(u["phone"] is None for u in customers) / len(customers)
    # never authorised, or not yet: users of the window's last ten days may authorise after its end
    assert 0.12 < no_phone < 0.4
    assert sum(u["phone"] == TEST_PHONE for u in world.appdb_rows["mp_users"]) >= 5
    receivers = Counter(o["receiver_phone"] for o in world.appdb_rows["orders"] if o["receiver_phone"])
    clerk_phone = next(p.phone for p in world.people if p.kind == "clerk")
    assert receivers[clerk_phone] == max(receivers.values())  # the clerk's phone is the busiest
    assert any(len(c["follow_user"]) > 1 for c in world.wecom_state["contacts"])
    assert any(f["add_way"] == 202 for c in world.wecom_state["contacts"] for f in c["follow_user"])
    assert world.appdb_rows["refunds"]
    sizes = [len(g["member_list"]) for g in world.wecom_state["group_chats"]]
    assert min(sizes) <= 20 < max(sizes)


def test_tracking_logs_have_duplicates_late_arrivals_and_corrupt_lines(small_world):
    events = small_world.world.events
    records = [e for e in events if isinstance(e.record, dict)]
    ids = Counter(e.record["event_id"] for e in records)
    assert 0.003 < sum(n - 1 for n in ids.values()) / len(ids) < 0.03
    late = [
        e for e in records if e.arrival > china_day(dt.datetime.fromtimestamp(e.record["ts"] / 1000, dt.UTC))
    ]
    assert 0.005 < len(late) / len(records) < 0.04
    assert small_world.world.corrupt_lines == 3
    written = sum(
        len(p.read_text().splitlines()) for p in (small_world.folder / "tracking_inbox").rglob("*.jsonl")
    )
    assert written == len(events)


def test_truth_lists_every_identifier_with_one_owner(small_world):
    truth = pq.read_table(small_world.folder / "truth" / "identifiers.parquet").to_pylist()
    owners = Counter((r["id_type"], r["id_value"]) for r in truth)
    assert owners and max(owners.values()) == 1
    kinds = Counter(r["id_type"] for r in truth)
    assert set(kinds) == {"unionid", "mp_openid", "external_userid", "phone"}
    assert TEST_PHONE not in {r["id_value"] for r in truth}
    stats = json.loads((small_world.folder / "world.json").read_text())["stats"]
    assert stats["wecom_contacts"] == len(small_world.world.wecom_state["contacts"])
