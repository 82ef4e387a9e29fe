"""Incremental extraction of the app DB into the lake, by ``updated_at`` watermark.

Each run extracts rows with ``low <= updated_at < high`` where ``high`` is the end of the logical
date's data interval and ``low`` is the previous partition's high-water mark minus an overlap window,
so a row committed late (its ``updated_at`` already in the past when the last run read) is still
picked up. Overlap duplicates are harmless: staging keeps the latest version per primary key.
The window depends only on the lake, never on wall-clock time, and a date whose partition has landed
is kept when re-run (a row of its window updated since has left the window: re-reading the DB would
lose it), so re-running a date gives the same partition. Rows are streamed from a server-side
cursor in chunks: memory is flat whatever the table.

Nothing is lost silently: a row whose ``updated_at`` lies after the run's end plus a tolerance (no
window would ever read it), and on SQLite a row whose timestamp is stored as text in another format
or as a number (string comparison puts it outside every window), is read too. Timestamps in an
unambiguous other format (ISO 8601 with ``T`` or an offset, ``YYYY/MM/DD``, epoch seconds or ms)
are converted and the row lands in its window; a row that cannot be read lands with
``quarantine_reason`` naming the field and value, and staging sets it aside (data_quarantine).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyarrow as pa
from sqlalchemy import DateTime, String, Table, func, inspect, or_, select, type_coerce
from sqlalchemy.engine import Engine

from siyu.contracts import raw_schema
from siyu.errors import BadInput
from siyu.lake import Lake, Manifest, Partition
from siyu.privacy import phone_hash
from siyu.sources.appdb import tables

log = logging.getLogger(__name__)

EPOCH = dt.datetime(1970, 1, 1)
DEFAULT_OVERLAP = dt.timedelta(hours=2)
CHUNK_ROWS = 50_000
# A row updated this long after the run's end (or after now, for a run of a past date) is in the
# future: a clock or a unit gone wrong, quarantined rather than left for a window in 2099.
FUTURE_TOLERANCE = dt.timedelta(days=1)
# How SQLAlchemy stores DateTime on SQLite; anything else compares wrongly as text.
SQLITE_CANONICAL = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]*"


class BadValue(BadInput):
    pass


@dataclass(frozen=True)
class EntitySpec:
    table: Table
    to_row: Callable[[dict, bytes], dict]


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    # The app DB stores naive UTC (see tables.py); the lake stores aware UTC.
    return value.replace(tzinfo=dt.UTC) if value is not None else None


def lenient_time(value) -> dt.datetime | None:
    """A stored timestamp as naive UTC: a datetime, ISO 8601 text (``T`` or space, ``Z`` or an
    offset), ``YYYY/MM/DD ...``, or epoch seconds / milliseconds. Raises BadValue otherwise."""
    if value is None or isinstance(value, dt.datetime):
        parsed = value
    elif (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        or (isinstance(value, str) and value.strip().isdigit())
    ):
        number = float(value)
        parsed = dt.datetime.fromtimestamp(number / 1000 if number > 1e11 else number, tz=dt.UTC)
    elif isinstance(value, str):
        text = value.strip().replace("/", "-")
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise BadValue(f"{value!r} is not a time") from None
    else:
        raise BadValue(f"{value!r} is not a time")
    if parsed is not None and parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _mp_user(row: dict, key: bytes) -> dict:
    return {
        "openid": row["openid"],
        "unionid": row["unionid"] or None,
        "phone_hash": phone_hash(row["phone"], key),
        "first_scene": row["first_scene"],
        "inviter_openid": row["inviter_openid"] or None,
        "created_at": _utc(row["created_at"]),
        "updated_at": _utc(row["updated_at"]),
    }


def _order(row: dict, key: bytes) -> dict:
    return {
        "order_id": row["order_id"],
        "openid": row["openid"],
        "status": row["status"],
        "amount": row["amount"],
        "pay_method": row["pay_method"],
        "receiver_phone_hash": phone_hash(row["receiver_phone"], key),
        "province": row["province"],
        "city": row["city"],
        "paid_at": _utc(row["paid_at"]),
        "created_at": _utc(row["created_at"]),
        "updated_at": _utc(row["updated_at"]),
    }


def _order_item(row: dict, key: bytes) -> dict:
    return {**row, "updated_at": _utc(row["updated_at"])}


def _refund(row: dict, key: bytes) -> dict:
    return {**row, "created_at": _utc(row["created_at"]), "updated_at": _utc(row["updated_at"])}


def _consent(row: dict, key: bytes) -> dict:
    return {**row, "occurred_at": _utc(row["occurred_at"]), "updated_at": _utc(row["updated_at"])}


ENTITIES: dict[str, EntitySpec] = {
    "mp_users": EntitySpec(tables.mp_users, _mp_user),
    "orders": EntitySpec(tables.orders, _order),
    "order_items": EntitySpec(tables.order_items, _order_item),
    "refunds": EntitySpec(tables.refunds, _refund),
    "commissions": EntitySpec(tables.commissions, _refund),  # the same: only timestamps to convert
    "advisor_codes": EntitySpec(tables.advisor_codes, _refund),  # the same
    "consent_events": EntitySpec(tables.consent_events, _consent),
}
# Tables a brand's app DB may not have: such an entity lands an empty partition (and says so in the
# log), so the warehouse still runs; consent then comes from the privacy inbox and WeCom only.
OPTIONAL = {"consent_events"}


def _time_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if isinstance(c.type, DateTime)]


def _parsed(row: dict, time_columns: list[str]) -> tuple[dict, str | None]:
    """The row with its timestamps read leniently, and why it cannot flow (None when it can)."""
    out, problems = dict(row), []
    for name in time_columns:
        try:
            out[name] = lenient_time(row[name])
        except BadValue as error:
            out[name] = None
            problems.append(f"{name} {error}")
    return out, "; ".join(problems) or None


def interval_end(logical_date: str) -> dt.datetime:
    """End (exclusive, naive UTC) of a daily run's data interval: the end of that China day
    (Asia/Shanghai), as the marts count days; 2026-11-24 ends at 2026-11-24 16:00 UTC."""
    from siyu.run_context import day_end_utc

    return day_end_utc(logical_date)


def previous_high_watermark(lake: Lake, entity: str, logical_date: str) -> dt.datetime | None:
    earlier = [d for d in lake.partitions("appdb", entity) if d < logical_date]
    if not earlier:
        return None
    manifest = lake.manifest(Partition("appdb", entity, earlier[-1]))
    return dt.datetime.fromisoformat(manifest.window["high"]) if manifest else None


def _select(table: Table):
    # Timestamps come back as stored (text on SQLite) and are read by lenient_time, so one odd value
    # is one quarantined row, not a failed extraction.
    return select(
        *[type_coerce(c, String).label(c.name) if isinstance(c.type, DateTime) else c for c in table.columns]
    )


def _outside_windows(engine: Engine, table: Table, horizon: dt.datetime):
    """Rows no window reads: updated after ``horizon``, or (SQLite) stored in another format."""
    stamp = table.c.updated_at
    odd = [stamp >= horizon]
    if engine.dialect.name == "sqlite":
        odd += [func.typeof(stamp) != "text", stamp.op("NOT GLOB")(SQLITE_CANONICAL)]
    return _select(table).where(or_(*odd))


@dataclass(frozen=True)
class Window:
    low: dt.datetime
    high: dt.datetime
    horizon: dt.datetime  # updated_at at or after this is in the future


def _batches(
    engine: Engine, spec: EntitySpec, window: Window, key: bytes, schema: pa.Schema
) -> Iterator[pa.RecordBatch]:
    table = spec.table
    pk = list(table.primary_key.columns)
    times = _time_columns(table)
    # Stable order: the same rows give the same file. The odd rows are few: held, and written last.
    with engine.connect() as conn:
        odd = {}
        for r in conn.execute(_outside_windows(engine, table, window.horizon).order_by(*pk)).mappings():
            row, reason = _parsed(dict(r), times)
            stamp = row["updated_at"]
            if reason is None and stamp is not None and stamp >= window.horizon:
                reason = f"updated_at {stamp.isoformat()} is in the future (after {window.horizon})"
            if reason is None and not (stamp is not None and window.low <= stamp < window.high):
                reason = "skip"  # readable, and another window's
            odd[tuple(r[c.name] for c in pk)] = (row, reason)
        query = _select(table).where(table.c.updated_at >= window.low, table.c.updated_at < window.high)
        stream = conn.execution_options(stream_results=True, yield_per=CHUNK_ROWS)
        result = stream.execute(query.order_by(*pk))
        for chunk in result.mappings().partitions(CHUNK_ROWS):
            rows = []
            for r in chunk:
                if tuple(r[c.name] for c in pk) in odd:
                    continue
                row, reason = _parsed(dict(r), times)
                rows.append({**spec.to_row(row, key), "quarantine_reason": reason})
            yield pa.RecordBatch.from_pylist(rows, schema=schema)
    extra = [
        {**spec.to_row(row, key), "quarantine_reason": reason}
        for row, reason in odd.values()
        if reason != "skip"
    ]
    if extra:  # counts only: keys may identify a person; the rows are in the lake with the reason
        log.warning(
            "appdb.%s: %d rows outside every window or unreadable, landed with a quarantine_reason",
            table.name,
            sum(1 for r in extra if r["quarantine_reason"]),
        )
    yield pa.RecordBatch.from_pylist(extra, schema=schema)


def land_entity(
    engine: Engine,
    lake: Lake,
    entity: str,
    logical_date: str,
    pii_key: bytes,
    overlap: dt.timedelta = DEFAULT_OVERLAP,
    replace: bool = False,
    now: dt.datetime | None = None,
) -> Manifest:
    """Land ``entity``'s rows of ``logical_date``'s window. A partition already landed for that
    window is kept (``replace=True`` re-reads the DB: a row updated since is then missing)."""
    spec = ENTITIES[entity]
    lake.recover("appdb", entity)
    high = interval_end(logical_date)
    part = Partition("appdb", entity, logical_date)
    landed = lake.manifest(part)
    if landed is not None and not replace and landed.window.get("high") == high.isoformat():
        log.info(
            "appdb.%s %s: kept the partition landed before (%d rows)", entity, logical_date, landed.row_count
        )
        return landed
    previous = previous_high_watermark(lake, entity, logical_date)
    low = max(EPOCH, previous - overlap) if previous else EPOCH
    wall = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None)
    window = Window(low, high, max(high, wall) + FUTURE_TOLERANCE)
    schema = raw_schema("appdb", entity)
    recorded = {
        "column": "updated_at",
        "low": low.isoformat(),
        "high": high.isoformat(),
        "overlap_seconds": int(overlap.total_seconds()),
    }
    if entity in OPTIONAL and not inspect(engine).has_table(spec.table.name):
        log.warning("appdb.%s: the app DB has no table %s: landed empty", entity, spec.table.name)
        batches = iter([pa.RecordBatch.from_pylist([], schema=schema)])
    else:
        batches = _batches(engine, spec, window, pii_key, schema)
    manifest = lake.write_batches(part, schema, batches, recorded)
    log.info("appdb.%s %s: %d rows in [%s, %s)", entity, logical_date, manifest.row_count, low, high)
    return manifest
