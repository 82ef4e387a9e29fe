"""Hostile tracking deliveries: every good event still lands, every bad file or line is quarantined
with a reason, and a file lands in the partition of the date its name says (backfills find it)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from siyu.lake import Lake, Partition
from siyu.sources.tracking.extract import Ledger, land_events


def event(event_id: str, ts: str = "2026-03-01T10:00:00Z", **extra) -> dict:
    return {"event_id": event_id, "openid": "o_1", "event": "page_view", "ts": ts, **extra}


def write(inbox: Path, rel: str, events: list[dict], gz: bool = False) -> Path:
    path = inbox / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(e) + "\n" for e in events).encode()
    path.write_bytes(gzip.compress(text, mtime=0) if gz else text)
    return path


def rows(lake: Lake, day: str, entity: str = "events") -> list[dict]:
    return lake.read(Partition("tracking", entity, day)).to_pylist()


def setup(tmp_path):
    return tmp_path / "inbox", Lake(str(tmp_path / "lake")), Ledger(tmp_path / "ledger")


def test_misnamed_files_are_quarantined_and_land_once_renamed(tmp_path):
    inbox, lake, ledger = setup(tmp_path)
    write(inbox, "c1/2026-03-01/10.jsonl", [event("good")])
    misnamed = [
        "c1/2026-03-01/10.json",
        "c1/20260301/11.jsonl",
        "c1/2026-03-01/25.jsonl",
        "2026-03-01.jsonl",
        "c1/2026-02-30/09.jsonl",
    ]
    for i, rel in enumerate(misnamed):
        write(inbox, rel, [event(f"m{i}")])
    write(inbox, "c1/2026-03-01/.12.jsonl.part", [event("uploading")])  # still being written
    land_events(inbox, lake, ledger, "2026-03-01")
    assert [r["event_id"] for r in rows(lake, "2026-03-01")] == ["good"]
    quarantined = {q["source_file"]: q["reason"] for q in rows(lake, "2026-03-01", "events_quarantine")}
    assert set(quarantined) == set(misnamed)
    assert all(
        r.startswith("misnamed file: expected <collector>/<YYYY-MM-DD>/<HH>.jsonl")
        for r in quarantined.values()
    )
    # renamed to the pattern, the next run lands it; the misnamed name is not reported twice
    (inbox / misnamed[0]).rename(inbox / "c1/2026-03-01/13.jsonl")
    land_events(inbox, lake, ledger, "2026-03-02")
    assert [r["event_id"] for r in rows(lake, "2026-03-02")] == ["m0"]
    assert rows(lake, "2026-03-02", "events_quarantine") == []


def test_same_event_id_with_another_payload_is_quarantined_not_dropped(tmp_path):
    inbox, lake, ledger = setup(tmp_path)
    write(inbox, "c1/2026-03-01/10.jsonl", [event("e1"), event("e2"), event("e1")])  # e1 re-sent as is
    write(inbox, "c2/2026-03-01/10.jsonl", [event("e2", openid="o_2")])  # same id, another person
    manifests = land_events(inbox, lake, ledger, "2026-03-01")
    write(inbox, "c1/2026-03-02/00.jsonl", [event("e1", ts="2026-03-02T00:00:00Z"), event("e3")])
    land_events(inbox, lake, ledger, "2026-03-02")
    assert [r["event_id"] for r in rows(lake, "2026-03-01")] == ["e1", "e2"]
    assert [r["event_id"] for r in rows(lake, "2026-03-02")] == ["e3"]
    assert manifests["events"].window["duplicates_dropped"] == 1
    day1 = rows(lake, "2026-03-01", "events_quarantine")
    day2 = rows(lake, "2026-03-02", "events_quarantine")
    assert [(q["source_file"], q["line_no"], q["reason"]) for q in day1] == [
        ("c2/2026-03-01/10.jsonl", 1, "event_id e2 seen before with another payload")
    ]
    assert [(q["source_file"], q["reason"]) for q in day2] == [
        ("c1/2026-03-02/00.jsonl", "event_id e1 seen before with another payload")
    ]


def test_corrupt_gzip_redelivered_under_the_same_name_is_read_again(tmp_path):
    inbox, lake, ledger = setup(tmp_path)
    good = [event(f"g{i:03d}") for i in range(300)]
    path = write(inbox, "c1/2026-03-01/10.jsonl.gz", good, gz=True)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 3])  # cut off mid-upload
    land_events(inbox, lake, ledger, "2026-03-01")
    first = {r["event_id"] for r in rows(lake, "2026-03-01")}
    assert len(first) < 300
    assert rows(lake, "2026-03-01", "events_quarantine")[0]["reason"].startswith("unreadable file")
    path.write_bytes(whole)  # the collector re-delivers the whole file
    land_events(inbox, lake, ledger, "2026-03-02")
    second = {r["event_id"] for r in rows(lake, "2026-03-02")}
    assert first | second == {e["event_id"] for e in good} and not first & second
    land_events(inbox, lake, ledger, "2026-03-03")  # read once more only if it changes again
    assert rows(lake, "2026-03-03") == []


def test_backlog_files_land_in_their_own_dates_so_a_backfill_finds_them(tmp_path):
    inbox, lake, ledger = setup(tmp_path)
    for day in ("2026-03-01", "2026-03-02", "2026-03-03"):
        write(inbox, f"c1/{day}/10.jsonl", [event(f"e{day[-1]}", ts=f"{day}T10:00:00Z")])
    land_events(inbox, lake, ledger, "2026-03-03")  # first run over a backlog
    assert {d: [r["event_id"] for r in rows(lake, d)] for d in lake.partitions("tracking", "events")} == {
        "2026-03-01": ["e1"],
        "2026-03-02": ["e2"],
        "2026-03-03": ["e3"],
    }
    before = lake.manifest(Partition("tracking", "events", "2026-03-03")).files
    land_events(inbox, lake, ledger, "2026-03-01")  # backfill of an earlier date: same partition
    assert [r["event_id"] for r in rows(lake, "2026-03-01")] == ["e1"]
    assert lake.manifest(Partition("tracking", "events", "2026-03-03")).files == before
