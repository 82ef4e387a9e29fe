"""Carry out an erasure (PIPL Art. 47) in every layer, in the order that keeps the person out:

1. the suppression list gets their identifiers first, so a landing running meanwhile drops them;
2. every lake partition holding them is rewritten without their rows (``Lake.write``: swapped in
   whole), its manifest's ``window.erasures`` naming the request id, never an identifier;
3. the warehouse loses their rows in every table, incremental ones included (so the others' daily
   histories stay whole), is compacted into a new file (no freed block keeps their bytes), and the
   current publication's day is run again on it, its day histories over every day they held
   (``siyu.pipl.histories``), gated and re-published; each earlier dated snapshot is re-published
   without the person's rows, and no version that held them is kept (``siyu.pipl.publications``);
4. the files beside them (state, exports, logs, quality results, Data Docs, dbt's and Airflow's
   files, the opt-out table, other requests) are scrubbed (``siyu.pipl.files``).

The erasure log gets the request id, the time, and rows removed per layer and table.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path

import duckdb

from siyu.config import settings
from siyu.lake import Lake, Partition
from siyu.pipl import files, histories, publications, suppression
from siyu.pipl.paths import erasure_log, privacy_dir
from siyu.pipl.requests import now
from siyu.pipl.resolve import Identifiers
from siyu.pipl.rows import scrub

log = logging.getLogger(__name__)


def erase_lake(lake: Lake, values: set[str], request_id: str) -> dict[str, int]:
    """Rewrite each partition holding the person; returns rows removed (and references nulled) per entity."""
    removed: dict[str, int] = {}
    matches = lambda _column, value: value in values  # noqa: E731
    for source_dir in sorted(Path(lake.path("raw")).glob("*")):
        for entity_dir in sorted(source_dir.glob("*")):
            source, entity = source_dir.name, entity_dir.name
            for date in lake.partitions(source, entity):
                part = Partition(source, entity, date)
                done = scrub(lake.read(part), matches)
                if not (done.rows_removed or done.cells_nulled):
                    continue
                manifest = lake.manifest(part)
                window = dict(manifest.window) if manifest else {}
                window["erasures"] = [*window.get("erasures", []), request_id]
                lake.write(part, done.table, window)
                key = f"{source}.{entity}"
                removed[key] = removed.get(key, 0) + done.rows_removed + done.cells_nulled
    return removed


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, list[str]]]:
    rows = con.execute(
        "select table_schema, table_name, list(column_name) from information_schema.columns "
        "where data_type = 'VARCHAR' and table_catalog = current_database() group by all order by all"
    ).fetchall()
    return [(s, t, c) for s, t, c in rows]


def warehouse_rows(path: Path, values: set[str]) -> dict[str, int]:
    """Rows of each warehouse table (views aside) where a text column names the person."""
    if not path.exists():
        return {}
    counts = {}
    with duckdb.connect(str(path), read_only=True) as con:
        base = {
            (s, t)
            for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_type = 'BASE TABLE'"
            ).fetchall()
        }
        for schema, table, columns in _tables(con):
            if (schema, table) not in base:
                continue
            where = " or ".join(f'"{c}" in (select unnest($v))' for c in columns)
            n = con.execute(
                f'select count(*) from "{schema}"."{table}" where {where}', {"v": sorted(values)}
            ).fetchall()[0][0]
            if n:
                counts[f"{schema}.{table}"] = n
    return counts


def delete_from_warehouse(path: Path, values: set[str]) -> dict[str, int]:
    """Delete the person's rows from every warehouse table, incremental ones included (their other
    rows, the histories a build from scratch would not rebuild, stay); returns rows per table."""
    removed = warehouse_rows(path, values)
    with duckdb.connect(str(path)) as con:
        columns = {(s, t): c for s, t, c in _tables(con)}
        for name in removed:
            schema, table = name.split(".", 1)
            where = " or ".join(f'"{c}" in (select unnest($v))' for c in columns[(schema, table)])
            con.execute(f'delete from "{schema}"."{table}" where {where}', {"v": sorted(values)})
    return removed


def compact(path: Path) -> None:
    """Copy the warehouse into a new file and swap it in: DuckDB keeps deleted rows' bytes in the old
    blocks until they are reused, and an erasure must leave none."""
    fresh = path.with_name(f".{path.stem}.compact.duckdb")
    fresh.unlink(missing_ok=True)
    with duckdb.connect() as con:
        con.execute(f"attach '{path}' as old (read_only)")
        con.execute(f"attach '{fresh}' as new")
        con.execute("copy from database old to new")
        con.execute("detach old")
        con.execute("detach new")
    fresh.replace(path)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)


def rebuild_warehouse(date: str) -> dict[str, int]:
    """The day's run again on the erased warehouse (the staging models drop the suppressed; the
    tables recompute without them), gated and published. The day histories are rebuilt over every
    day they held (``siyu.pipl.histories``), so no earlier day still counts the person; returns the
    days recomputed per history."""
    from siyu import tasks
    from siyu.warehouse import dbt_build, dbt_project_dir

    warehouse = settings().warehouse
    aside = histories.set_aside(warehouse, date, dbt_project_dir() / "models")
    try:
        dbt_build(date, extra_vars=histories.backfill_vars(aside))
    except BaseException:
        histories.restore(warehouse, aside)
        raise
    histories.drop_aside(warehouse, aside)
    compact(warehouse)  # the set-aside tables' blocks go too
    tasks.marts_gate(date)
    tasks.publish(date)
    return {f"{h.schema}.{h.table}": h.days for h in aside if h.backfill_var}


def scrub_opt_outs(values: set[str]) -> int:
    from siyu.pipl.paths import opt_outs_file

    path = opt_outs_file()
    return files.scrub_file(path, values) if path.exists() else 0


def erase(request: dict, ids: Identifiers) -> dict:
    """Erase the person ``ids`` names; returns the erasure log entry (no identifier in it)."""
    s = settings()
    started = time.perf_counter()
    values = ids.all()
    entry: dict = {
        "request_id": request["id"],
        "started_at": now(),
        "identifiers": ids.counts(),
        "removed": {},
    }
    entry["removed"]["suppression"] = {"hashes_added": suppression.add(values)}
    entry["removed"]["lake"] = erase_lake(Lake(s.lake), values, request["id"])
    entry["removed"]["warehouse"] = delete_from_warehouse(s.warehouse, values) if s.warehouse.exists() else {}
    if s.warehouse.exists():
        compact(s.warehouse)
    from siyu.publish import publication

    current = publication(s.published) if s.published.exists() else None
    if current and current.get("dt"):
        entry["rebuilt_for"] = current["dt"]
        entry["histories_recomputed_days"] = rebuild_warehouse(current["dt"])
        left = warehouse_rows(s.warehouse, values)
        if left:  # the staging filter and the lake rewrite must leave nothing; say where they did not
            raise RuntimeError(f"erasure {request['id']}: rows left after the rebuild in {sorted(left)}")
        entry["removed"]["published"] = publications.rewrite_earlier(
            s.published.parent, values, request["id"], current["dt"]
        )
    entry["removed"]["opt_outs"] = scrub_opt_outs(values)
    skip = (s.sim_dir, Path(s.lake), s.warehouse.parent, s.published.parent, privacy_dir())
    entry["removed"]["files"] = files.scrub_tree(s.home, values, skip=skip)
    entry["removed"]["requests"] = files.scrub_tree(privacy_dir() / "requests", values)
    access = privacy_dir() / "access"
    entry["removed"]["access_bundles"] = _drop_bundles(access, values)
    entry["finished_at"] = now()
    entry["seconds"] = round(time.perf_counter() - started, 1)
    path = erasure_log()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fh.write(json.dumps(entry, sort_keys=True) + "\n")
    return entry


def _drop_bundles(access: Path, values: set[str]) -> int:
    """An access bundle of the person (handed over already) goes whole."""
    dropped = 0
    for bundle in sorted(access.glob("*")) if access.exists() else []:
        if any(v.encode() in p.read_bytes() for p in bundle.rglob("*") if p.is_file() for v in values):
            shutil.rmtree(bundle)
            dropped += 1
    return dropped
