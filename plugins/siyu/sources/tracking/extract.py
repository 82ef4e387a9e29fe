"""Mini-program tracking logs → de-duplicated event rows in the lake, by arrival date.

Collectors drop one JSONL (or JSONL.gz) file per hour into the inbox, named
``<collector>/<YYYY-MM-DD>/<HH>.jsonl[.gz]`` (the date and hour the file was written: its arrival).
A run for logical date D takes the files named for D, plus any file for an earlier date that no run
has taken yet (a collector that uploaded late). A ledger records which run took which file, so a
re-run of D takes exactly the same files (a file that arrives later waits for the next new date)
and a file is never counted twice.

Events are de-duplicated on ``event_id`` within the run and against every earlier partition; an event
whose ``ts`` is days before its arrival is kept and lands with its arrival date. A line that is not a
valid event, or a file that cannot be read, goes to ``events_quarantine`` with file, line and reason.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from siyu import duck
from siyu.contracts import TRACKING_EVENTS, raw_schema
from siyu.lake import Lake, Manifest, Partition

log = logging.getLogger(__name__)

FILE_NAME = re.compile(r"^(?P<hour>\d{2})\.jsonl(\.gz)?$")
DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
RAW_TEXT_LIMIT = 2000
EVENTS = frozenset(TRACKING_EVENTS)


class BadEvent(ValueError):
    pass


@dataclass
class Batch:
    events: list[dict] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)
    duplicates: int = 0


def inbox_files(inbox: Path) -> list[tuple[str, str]]:
    """(arrival date, path relative to the inbox) of every well-named file, oldest first."""
    found = []
    for path in inbox.glob("*/*/*"):
        if path.is_file() and DATE_DIR.match(path.parent.name) and FILE_NAME.match(path.name):
            found.append((path.parent.name, path.relative_to(inbox).as_posix()))
    return sorted(found)


class Ledger:
    """Which run date took which inbox file. A JSON file per date under the state dir."""

    def __init__(self, folder: Path):
        self.folder = folder

    def files_of(self, date: str) -> list[str] | None:
        path = self.folder / f"{date}.json"
        return json.loads(path.read_text()) if path.exists() else None

    def taken(self) -> dict[str, str]:
        files: dict[str, str] = {}
        for path in sorted(self.folder.glob("*.json")):
            for name in json.loads(path.read_text()):
                files[name] = path.stem
        return files

    def record(self, date: str, files: list[str]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{date}.json.tmp"
        tmp.write_text(json.dumps(sorted(files), indent=0))
        tmp.replace(self.folder / f"{date}.json")


def files_for_run(inbox: Path, ledger: Ledger, date: str) -> list[str]:
    """A re-run takes exactly the files its first run took; a first run takes every free file up to D."""
    already = ledger.files_of(date)
    if already is not None:
        return already
    taken = ledger.taken()
    return [name for arrival, name in inbox_files(inbox) if arrival <= date and name not in taken]


def _parse_ts(value) -> dt.datetime:
    if isinstance(value, bool):
        raise BadEvent("ts is not a time")
    if isinstance(value, int | float):  # epoch milliseconds, as wx.reportEvent collectors send
        return dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as error:
            raise BadEvent(f"ts not ISO-8601: {error}") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    raise BadEvent("ts missing")


def _text(record: dict, key: str, required: bool = False) -> str | None:
    value = record.get(key)
    if value is None or value == "":
        if required:
            raise BadEvent(f"{key} missing")
        return None
    if not isinstance(value, str | int):
        raise BadEvent(f"{key} is not a string")
    return str(value)


def parse_event(line: str, source_file: str) -> dict:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise BadEvent(f"invalid JSON: {error.msg}") from None
    if not isinstance(record, dict):
        raise BadEvent("line is not a JSON object")
    event = _text(record, "event", required=True)
    if event not in EVENTS:
        raise BadEvent(f"unknown event {event!r}")
    props = record.get("props")
    if props is not None and not isinstance(props, dict):
        raise BadEvent("props is not an object")
    scene = record.get("scene")
    if scene is not None and (not isinstance(scene, int) or isinstance(scene, bool)):
        raise BadEvent("scene is not an integer")
    return {
        "event_id": _text(record, "event_id", required=True),
        "openid": _text(record, "openid", required=True),
        "unionid": _text(record, "unionid"),
        "event": event,
        "ts": _parse_ts(record.get("ts")),
        "page": _text(record, "page"),
        "item_id": _text(record, "item_id"),
        "scene": scene,
        "props": json.dumps(props, ensure_ascii=False, sort_keys=True) if props else None,
        "source_file": source_file,
    }


def _lines(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        yield from fh


def _masked(text: str) -> str:
    # Quarantine keeps the raw line for debugging, but never a phone number.
    return MOBILE.sub("<mobile>", text[:RAW_TEXT_LIMIT])


def read_files(inbox: Path, names: list[str], seen: set[str]) -> Batch:
    batch = Batch()
    for name in names:
        events_before, quarantined_before = len(batch.events), len(batch.quarantine)
        try:
            for line_no, line in enumerate(_lines(inbox / name), start=1):
                if not line.strip():
                    continue
                try:
                    row = parse_event(line, name)
                except BadEvent as error:
                    batch.quarantine.append(
                        {"source_file": name, "line_no": line_no, "reason": str(error), "raw": _masked(line)}
                    )
                    continue
                if row["event_id"] in seen:
                    batch.duplicates += 1
                    continue
                seen.add(row["event_id"])
                batch.events.append(row)
        except (OSError, EOFError, UnicodeDecodeError, zlib.error) as error:
            # An unreadable file: keep what was read before the damage, quarantine the rest of it.
            batch.quarantine.append(
                {"source_file": name, "line_no": None, "reason": f"unreadable file: {error}", "raw": None}
            )
        log.info("%s: %d events, %d quarantined", name,
                 len(batch.events) - events_before, len(batch.quarantine) - quarantined_before)
    return batch


def earlier_event_ids(lake: Lake, date: str) -> set[str]:
    """event_ids already landed by runs for earlier dates (cross-day de-duplication)."""
    paths = [
        lake.partition_path(Partition("tracking", "events", d)) + "/part-0000.parquet"
        for d in lake.partitions("tracking", "events")
        if d < date
    ]
    if not paths:
        return set()
    if lake.fs.protocol not in ("file", ("file", "local")):
        ids: set[str] = set()
        for d in (d for d in lake.partitions("tracking", "events") if d < date):
            ids.update(lake.read(Partition("tracking", "events", d)).column("event_id").to_pylist())
        return ids
    with duck.connect() as con:
        rows = con.execute("select event_id from read_parquet(?)", [paths]).fetchall()
    return {r[0] for r in rows}


def land_events(inbox: Path, lake: Lake, ledger: Ledger, date: str) -> dict[str, Manifest]:
    lake.recover("tracking")
    names = files_for_run(inbox, ledger, date)
    batch = read_files(inbox, names, earlier_event_ids(lake, date))
    batch.events.sort(key=lambda r: r["event_id"])
    window = {"files": len(names), "duplicates_dropped": batch.duplicates}
    manifests = {
        "events": lake.write(
            Partition("tracking", "events", date),
            pa.Table.from_pylist(batch.events, schema=raw_schema("tracking", "events")),
            window,
        ),
        "events_quarantine": lake.write(
            Partition("tracking", "events_quarantine", date),
            pa.Table.from_pylist(batch.quarantine, schema=raw_schema("tracking", "events_quarantine")),
            window,
        ),
    }
    # The ledger is written last: a run that dies before it leaves the files free for its retry.
    ledger.record(date, names)
    return manifests
