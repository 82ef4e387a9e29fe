"""Mini-program tracking logs → de-duplicated event rows in the lake, by the date a file is named for.

Collectors drop one JSONL (or JSONL.gz) file per hour into the inbox, named
``<collector>/<YYYY-MM-DD>/<HH>.jsonl[.gz]`` (the date and hour the file was written). A file belongs
to the date its name says: a run for logical date D lands the new files named D in partition D, and
new files named for an earlier date that no run has landed yet (a first run over a backlog, or a
gap a backfill will fill) in their own date's partition, so a backfill of that date finds them. Only
a file that arrived after its own date was landed (a collector that uploaded late) goes to D's
partition; staging reads its date from the name. A ledger records which run took which file and its
sha256, so a re-run of D takes exactly the same files, a file is never counted twice, and a file
re-delivered under the same name with other content (a corrupt upload replaced) is read again.

Events are de-duplicated on ``event_id`` within the run and against every earlier partition; an
event whose ``ts`` is days before its arrival is kept. A line that is not a valid event, an event_id
seen before with another payload, a file that cannot be read, or a file whose name does not follow
the pattern goes to ``events_quarantine`` with file, line and reason.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import itertools
import json
import logging
import re
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from siyu.contracts import TRACKING_EVENTS, raw_schema
from siyu.errors import BadInput
from siyu.lake import Lake, Manifest, Partition, restrict
from siyu.privacy import mask_phones

log = logging.getLogger(__name__)

FILE_NAME = re.compile(r"^(?P<hour>\d{2})\.jsonl(\.gz)?$")
DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
RAW_TEXT_LIMIT = 2000
EVENTS = frozenset(TRACKING_EVENTS)


class BadEvent(BadInput):
    pass


@dataclass
class Batch:
    events: pa.Table | None = None  # sorted by event_id
    quarantine: list[dict] = field(default_factory=list)
    duplicates: int = 0


CHUNK_ROWS = 20_000  # parsed events are held as Arrow batches of this many: a few times smaller than dicts


NAME_RULE = "<collector>/<YYYY-MM-DD>/<HH>.jsonl[.gz]"


def _named_date(rel: str) -> str | None:
    """The date a well-named file is for, or None when its name breaks the pattern."""
    parts = rel.split("/")
    if len(parts) != 3 or not DATE_DIR.match(parts[1]) or not (m := FILE_NAME.match(parts[2])):
        return None
    try:
        dt.date.fromisoformat(parts[1])
    except ValueError:
        return None
    return parts[1] if int(m["hour"]) < 24 else None


def inbox_files(inbox: Path) -> list[tuple[str | None, str]]:
    """(date the name says or None when misnamed, path relative to the inbox) of every delivered
    file, oldest first. Hidden files (an upload still being written, ``.08.jsonl.part``) are not
    delivered yet."""
    found = []
    for path in inbox.rglob("*"):
        rel = path.relative_to(inbox).as_posix()
        if path.is_file() and not any(part.startswith(".") for part in rel.split("/")):
            found.append((_named_date(rel), rel))
    return sorted(found, key=lambda f: (f[0] or "", f[1]))


def file_digest(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class Ledger:
    """Which run date took which inbox file, with the sha256 it had. A JSON file per date."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _read(self, path: Path) -> dict[str, str | None]:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else dict.fromkeys(data)  # older ledgers: names only

    def files_of(self, date: str) -> dict[str, str | None] | None:
        path = self.folder / f"{date}.json"
        return self._read(path) if path.exists() else None

    def dates(self) -> set[str]:
        return {p.stem for p in self.folder.glob("*.json")}

    def taken(self) -> dict[str, tuple[str, str | None]]:
        """file → (date of the latest run that took it, its sha256 then)."""
        files: dict[str, tuple[str, str | None]] = {}
        for path in sorted(self.folder.glob("*.json")):
            for name, digest in self._read(path).items():
                files[name] = (path.stem, digest)
        return files

    def record(self, date: str, files: dict[str, str | None]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{date}.json.tmp"
        tmp.write_text(json.dumps(dict(sorted(files.items())), indent=0))
        restrict(self.folder)
        tmp.replace(self.folder / f"{date}.json")


def files_for_run(inbox: Path, ledger: Ledger, date: str) -> dict[str, list[str]]:
    """Partition date → inbox files a run for ``date`` lands there.

    A re-run takes exactly the files its first run took. A first run takes every file not taken yet
    (or re-delivered with other content) named up to ``date``: a file named for an earlier date that
    no run has landed goes to that date's partition, the rest (and the misnamed) to ``date``'s.
    """
    already = ledger.files_of(date)
    if already is not None:
        return {date: sorted(already)}
    taken, landed = ledger.taken(), ledger.dates()
    plan: dict[str, list[str]] = {date: []}
    for named, name in inbox_files(inbox):
        if named is not None and named > date:
            continue
        if name in taken:
            digest = taken[name][1]
            if digest is None or digest == file_digest(inbox / name):
                continue  # landed before, unchanged
        home = named if named is not None and named < date and named not in landed else date
        plan.setdefault(home, []).append(name)
    return plan


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


PAYLOAD = ("openid", "unionid", "event", "ts", "page", "item_id", "scene", "props")


def payload_digest(row: dict) -> str:
    """What an event says, apart from its id and the file it came in: a re-sent event has the same.
    Text is compared as the lake holds it (phones masked), so a re-sent event matches its landed self."""
    values = [
        row[k].astimezone(dt.UTC).isoformat()
        if k == "ts"
        else mask_phones(row[k])
        if isinstance(row[k], str)
        else row[k]
        for k in PAYLOAD
    ]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False, default=str).encode()).hexdigest()[:32]


def _quarantine(name: str, line_no: int | None, reason: str, raw: str | None = None) -> dict:
    return {"source_file": name, "line_no": line_no, "reason": reason, "raw": raw}


def read_files(
    inbox: Path, names: list[str], earlier: Callable[[set[str]], dict[str, str]] = lambda ids: {}
) -> Batch:
    """Events of ``names``, de-duplicated within them and against ``earlier(ids)``: event_id →
    payload digest of the events among ``ids`` landed before (asked once, for the ids read)."""
    batch = Batch()
    schema = raw_schema("tracking", "events")
    chunks: list[pa.RecordBatch] = []
    rows: list[dict] = []
    parsed: list[tuple[str, int, str, str]] = []  # (file, line, event_id, payload digest), in order
    for name in names:
        if _named_date(name) is None:
            # Not read: the operator renames it to the pattern and the next run lands it.
            batch.quarantine.append(_quarantine(name, None, f"misnamed file: expected {NAME_RULE}"))
            continue
        parsed_before, quarantined_before = len(parsed), len(batch.quarantine)
        try:
            for line_no, line in enumerate(_lines(inbox / name), start=1):
                if not line.strip():
                    continue
                try:
                    row = parse_event(line, name)
                except BadEvent as error:
                    batch.quarantine.append(_quarantine(name, line_no, str(error), _masked(line)))
                    continue
                parsed.append((name, line_no, row["event_id"], payload_digest(row)))
                rows.append(row)
                if len(rows) == CHUNK_ROWS:
                    chunks.append(pa.RecordBatch.from_pylist(rows, schema=schema))
                    rows = []
        except (OSError, EOFError, UnicodeDecodeError, zlib.error) as error:
            # An unreadable file: keep what was read before the damage, quarantine the rest of it.
            # Re-delivered under the same name with other content, it is read again (the ledger's sha256).
            batch.quarantine.append(_quarantine(name, None, f"unreadable file: {error}"))
        log.info(
            "%s: %d events read, %d quarantined",
            name,
            len(parsed) - parsed_before,
            len(batch.quarantine) - quarantined_before,
        )
    chunks.append(pa.RecordBatch.from_pylist(rows, schema=schema))
    seen = earlier({event_id for _, _, event_id, _ in parsed})
    keep = []
    for name, line_no, event_id, digest in parsed:
        before = seen.get(event_id)
        keep.append(before is None)
        if before == digest:
            batch.duplicates += 1  # the same event sent again: harmless
        elif before is not None:
            reason = f"event_id {event_id} seen before with another payload"
            raw = _masked(_line_at(inbox / name, line_no))
            batch.quarantine.append(_quarantine(name, line_no, reason, raw))
        else:
            seen[event_id] = digest
    # one copy of the kept rows, in event_id order (a filter, then a sort, then a concat would be three)
    events = pa.Table.from_batches(chunks, schema=schema)
    kept = pc.indices_nonzero(pa.array(keep, pa.bool_()))
    order = pc.sort_indices(events["event_id"].take(kept))
    batch.events = events.take(kept.take(order)).combine_chunks()  # one chunk: the bytes as before
    # in file order, as read: a file's lines, then its damage
    position = {name: n for n, name in enumerate(names)}
    batch.quarantine.sort(key=lambda q: (position[q["source_file"]], q["line_no"] or sys.maxsize))
    return batch


def _line_at(path: Path, line_no: int) -> str:
    """One line again (a rare conflict's, for quarantine): lines are not all kept in memory."""
    return next(itertools.islice(_lines(path), line_no - 1, None), "")


def earlier_events(lake: Lake, date: str, ids: set[str]) -> dict[str, str]:
    """event_id → payload digest of the events among ``ids`` landed for earlier dates (cross-day
    de-duplication). Only the run's ids are kept: memory follows the run's size, not the history's."""
    seen: dict[str, str] = {}
    if not ids:
        return seen
    wanted = pa.array(sorted(ids), pa.string())
    for d in lake.partitions("tracking", "events"):
        if d >= date:
            break
        part = Partition("tracking", "events", d)
        hit = pc.is_in(lake.read(part, columns=["event_id"])["event_id"], value_set=wanted)
        if not pc.any(hit).as_py():
            continue  # the payload is read only where an id was landed before
        table = lake.read(part, columns=["event_id", *PAYLOAD])
        hits = table.filter(hit)
        for row in hits.to_pylist():  # oldest first: the first landing of an id is the one kept
            seen.setdefault(row["event_id"], payload_digest(row))
    return seen


def _land_partition(inbox: Path, lake: Lake, date: str, names: list[str]) -> dict[str, Manifest]:
    batch = read_files(inbox, names, lambda ids: earlier_events(lake, date, ids))
    window = {"files": len(names), "duplicates_dropped": batch.duplicates}
    quarantine = pa.Table.from_pylist(batch.quarantine, schema=raw_schema("tracking", "events_quarantine"))
    return {
        entity: lake.write(Partition("tracking", entity, date), table, window)
        for entity, table in (("events", batch.events), ("events_quarantine", quarantine))
    }


def land_events(inbox: Path, lake: Lake, ledger: Ledger, date: str) -> dict[str, Manifest]:
    """Land the run's files; returns the manifests of ``date``'s partitions."""
    lake.recover("tracking")
    result: dict[str, Manifest] = {}
    for home, names in sorted(files_for_run(inbox, ledger, date).items()):
        digests = {n: file_digest(inbox / n) if (inbox / n).is_file() else None for n in names}
        manifests = _land_partition(inbox, lake, home, names)
        # The ledger is written last: a run that dies before it leaves the files free for its retry.
        ledger.record(home, digests)
        if home == date:
            result = manifests
    return result
