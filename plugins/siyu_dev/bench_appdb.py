"""`siyu bench-appdb`: app DB extraction time and peak memory at a given table size.

Extraction streams the table in chunks from a server-side cursor, so peak memory should not grow
with the row count: run it at two sizes and compare.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, insert

from siyu.lake import Lake
from siyu.sources.appdb import tables
from siyu.sources.appdb.extract import land_entity
from siyu_dev.rss import peak_rss_mib, reset_peak_rss


def _fill_orders(url: str, rows: int, chunk: int = 20_000) -> None:
    engine = create_engine(url)
    tables.metadata.create_all(engine)
    start = dt.datetime(2026, 1, 1)
    with engine.begin() as conn:
        for offset in range(0, rows, chunk):
            conn.execute(
                insert(tables.orders),
                [
                    {
                        "order_id": f"o{i:010d}",
                        "openid": f"oM{i % 50_000:026d}",
                        "status": "completed",
                        "amount": Decimal("99.90"),
                        "pay_method": "wechat",
                        "receiver_phone": f"139{i % 10**8:08d}",
                        "province": "广东",
                        "city": "深圳",
                        "paid_at": start,
                        "created_at": start,
                        "updated_at": start + dt.timedelta(seconds=i),
                    }
                    for i in range(offset, min(rows, offset + chunk))
                ],
            )
    engine.dispose()


def bench_appdb(rows: int, appdb_url: str | None = None) -> dict:
    """Fill an orders table (SQLite in a temp dir unless a URL is given), land it, measure."""
    with tempfile.TemporaryDirectory() as tmp:
        url = appdb_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        _fill_orders(url, rows)
        reset_peak_rss()  # the fill's own peak is not the extraction's
        before = peak_rss_mib(field="VmRSS")
        engine = create_engine(url)
        started = time.perf_counter()
        manifest = land_entity(engine, Lake(str(Path(tmp) / "lake")), "orders", "2026-12-31", b"bench")
        seconds = time.perf_counter() - started
        engine.dispose()
        peak = peak_rss_mib()
    return {
        "rows": manifest.row_count,
        "seconds": round(seconds, 2),
        "rows_per_second": round(manifest.row_count / seconds),
        "peak_rss_mib": peak,
        "rss_growth_during_extraction_mib": round(peak - before, 1),
    }
