"""Incremental extraction of the app DB into the lake, by ``updated_at`` watermark.

Each run extracts rows with ``low <= updated_at < high`` where ``high`` is the end of the logical
date's data interval and ``low`` is the previous partition's high-water mark minus an overlap window,
so a row committed late (its ``updated_at`` already in the past when the last run read) is still
picked up. Overlap duplicates are harmless: staging keeps the latest version per primary key.
The window depends only on the lake, never on wall-clock time, so re-running a date gives the same
partition. Rows are streamed from a server-side cursor in chunks: memory is flat whatever the table.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyarrow as pa
from sqlalchemy import Table, create_engine, select
from sqlalchemy.engine import Engine

from siyu.contracts import raw_schema
from siyu.lake import Lake, Manifest, Partition
from siyu.privacy import phone_hash
from siyu.sources.appdb import tables

log = logging.getLogger(__name__)

EPOCH = dt.datetime(1970, 1, 1)
DEFAULT_OVERLAP = dt.timedelta(hours=2)
CHUNK_ROWS = 50_000


@dataclass(frozen=True)
class EntitySpec:
    table: Table
    to_row: Callable[[dict, bytes], dict]


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    # The app DB stores naive UTC (see tables.py); the lake stores aware UTC.
    return value.replace(tzinfo=dt.UTC) if value is not None else None


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


ENTITIES: dict[str, EntitySpec] = {
    "mp_users": EntitySpec(tables.mp_users, _mp_user),
    "orders": EntitySpec(tables.orders, _order),
    "order_items": EntitySpec(tables.order_items, _order_item),
    "refunds": EntitySpec(tables.refunds, _refund),
}


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


def _batches(
    engine: Engine, spec: EntitySpec, low: dt.datetime, high: dt.datetime, key: bytes, schema: pa.Schema
) -> Iterator[pa.RecordBatch]:
    table = spec.table
    pk = list(table.primary_key.columns)
    query = (
        select(table)
        .where(table.c.updated_at >= low, table.c.updated_at < high)
        .order_by(*pk)  # stable order: the same rows give the same file
    )
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=CHUNK_ROWS).execute(query)
        for chunk in result.mappings().partitions(CHUNK_ROWS):
            rows = [spec.to_row(dict(r), key) for r in chunk]
            yield pa.RecordBatch.from_pylist(rows, schema=schema)


def land_entity(
    engine: Engine,
    lake: Lake,
    entity: str,
    logical_date: str,
    pii_key: bytes,
    overlap: dt.timedelta = DEFAULT_OVERLAP,
) -> Manifest:
    spec = ENTITIES[entity]
    lake.recover("appdb", entity)
    high = interval_end(logical_date)
    previous = previous_high_watermark(lake, entity, logical_date)
    low = max(EPOCH, previous - overlap) if previous else EPOCH
    schema = raw_schema("appdb", entity)
    window = {"column": "updated_at", "low": low.isoformat(), "high": high.isoformat(),
              "overlap_seconds": int(overlap.total_seconds())}
    manifest = lake.write_batches(
        Partition("appdb", entity, logical_date), schema,
        _batches(engine, spec, low, high, pii_key, schema), window,
    )
    log.info("appdb.%s %s: %d rows in [%s, %s)", entity, logical_date, manifest.row_count, low, high)
    return manifest


def land_all(appdb_url: str, lake: Lake, logical_date: str, pii_key: bytes) -> dict[str, Manifest]:
    engine = create_engine(appdb_url)
    try:
        return {e: land_entity(engine, lake, e, logical_date, pii_key) for e in ENTITIES}
    finally:
        engine.dispose()
