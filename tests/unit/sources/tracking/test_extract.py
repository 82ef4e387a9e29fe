"""Tracking logs: de-duplication across files and days, late events, quarantine, exactly-once files."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from siyu.lake import Lake, Partition
from siyu.sources.tracking.extract import Ledger, land_events, parse_event


def event(event_id: str, ts: str = "2026-03-01T10:00:00Z", name: str = "page_view", **extra) -> dict:
    return {
        "event_id": event_id,
        "openid": "o_1",
        "unionid": None,
        "event": name,
        "ts": ts,
        "page": "pages/index",
        "item_id": None,
        "scene": 1047,
        "props": {},
        **extra,
    }


def drop(inbox: Path, collector: str, day: str, hour: int, lines: list, gz: bool = False) -> Path:
    folder = inbox / collector / day
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    path = folder / f"{hour:02d}.jsonl{'.gz' if gz else ''}"
    if gz:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def setup(tmp_path):
    return tmp_path / "inbox", Lake(str(tmp_path / "lake")), Ledger(tmp_path / "state" / "tracking")


def ids(lake: Lake, day: str, entity: str = "events") -> list:
    return lake.read(Partition("tracking", entity, day)).to_pylist()


def test_dedup_within_and_across_days_and_late_events(tmp_path):
    inbox, lake, ledger = setup(tmp_path)
    drop(inbox, "c1", "2026-03-01", 10, [event("e1"), event("e2")])
    drop(inbox, "c2", "2026-03-01", 11, [event("e2"), event("e3")], gz=True)  # e2 again, other collector
    land_events(inbox, lake, ledger, "2026-03-01")
    assert [r["event_id"] for r in ids(lake, "2026-03-01")] == ["e1", "e2", "e3"]

    # day 2: e3 re-sent (cross-day duplicate) and e9 from two days earlier (late)
    drop(inbox, "c1", "2026-03-02", 0, [event("e3"), event("e9", ts="2026-02-27T08:00:00Z")])
    manifests = land_events(inbox, lake, ledger, "2026-03-02")
    day2 = ids(lake, "2026-03-02")
    assert [r["event_id"] for r in day2] == ["e9"]
    assert day2[0]["ts"].date().isoformat() == "2026-02-27"  # kept with its own time, landed by arrival
    assert manifests["events"].window["duplicates_dropped"] == 1


def test_corrupt_lines_and_files_are_quarantined_good_rows_kept(tmp_path):
    inbox, lake, ledger = setup(tmp_path)
    drop(
        inbox,
        "c1",
        "2026-03-01",
        9,
        [
            event("ok1"),
            "{not json",
            event("bad1", name="teleport"),
            event("", ts="x"),
            json.dumps(event("ok2")) + " search for 13912345678",
            event("ok3", ts="yesterday"),
        ],
    )
    broken = inbox / "c1" / "2026-03-01" / "10.jsonl.gz"
    whole = gzip.compress("".join(json.dumps(event(f"g{i}")) + "\n" for i in range(500)).encode())
    broken.write_bytes(whole[: len(whole) // 2])  # a gzip cut off in the middle of an upload
    land_events(inbox, lake, ledger, "2026-03-01")
    kept = [r["event_id"] for r in ids(lake, "2026-03-01")]
    assert "ok1" in kept and not {"bad1", "ok2", "ok3"} & set(kept)
    assert all(k == "ok1" or k.startswith("g") for k in kept)  # rows before the damage are kept
    quarantine = ids(lake, "2026-03-01", "events_quarantine")
    reasons = {(q["source_file"], q["line_no"]): q["reason"] for q in quarantine}
    assert reasons[("c1/2026-03-01/09.jsonl", 2)].startswith("invalid JSON")
    assert reasons[("c1/2026-03-01/09.jsonl", 3)] == "unknown event 'teleport'"
    assert reasons[("c1/2026-03-01/09.jsonl", 4)] == "event_id missing"
    assert reasons[("c1/2026-03-01/09.jsonl", 6)].startswith("ts not ISO-8601")
    assert any(q["line_no"] is None and q["reason"].startswith("unreadable file") for q in quarantine)
    raw = lake.partition_path(Partition("tracking", "events_quarantine", "2026-03-01")) + "/part-0000.parquet"
    assert not re.search(rb"1[3-9]\d{9}", Path(raw).read_bytes())


def test_rerun_takes_same_files_and_late_upload_goes_to_next_run(tmp_path):
    inbox, lake, ledger = setup(tmp_path)
    drop(inbox, "c1", "2026-03-01", 10, [event("e1")])
    first = land_events(inbox, lake, ledger, "2026-03-01")
    drop(inbox, "c1", "2026-03-02", 1, [event("e2")])
    drop(inbox, "c3", "2026-03-01", 23, [event("e7")])  # uploaded after day 1 ran
    again = land_events(inbox, lake, ledger, "2026-03-01")
    assert again["events"].files == first["events"].files  # re-run: same files, same bytes
    land_events(inbox, lake, ledger, "2026-03-02")
    assert [r["event_id"] for r in ids(lake, "2026-03-02")] == ["e2", "e7"]
    assert ledger.taken()["c3/2026-03-01/23.jsonl"][0] == "2026-03-02"


def test_parse_event_accepts_epoch_millis():
    row = parse_event(json.dumps(event("e1", ts=1772359200000)), "f")
    assert row["ts"].isoformat() == "2026-03-01T10:00:00+00:00"
