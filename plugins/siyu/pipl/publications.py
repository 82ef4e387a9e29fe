"""Earlier publications after an erasure: each dated snapshot re-published without the person.

A dated snapshot (``published/snapshots/<dt>``: a backfill's, or an earlier day's) is what an analyst
compares against: it stays, as the marts of that day less the person's rows (the rule of the
warehouse: a row where a text column names them goes). Its day aggregates are kept as they were
published (counts, no identifier): rebuilding each past day would cost a build per snapshot.
The new version is written like any publication (``siyu.publish``: both formats, the docs as
comments and Parquet metadata, hidden until renamed in) and the snapshot link swapped to it.
Then every version no link points to goes at once, without the readers' grace period: none that
held the person may stay.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

from siyu.lake import restrict
from siyu.publish import PUBLICATION, _link, _write_version, clean_leftovers

MAIN = "main"  # the published file's schema


def _without_person(version: Path, values: set[str], work: Path) -> tuple[Path, int]:
    """A compacted copy of the version's DuckDB file less the person's rows, and the rows removed."""
    from siyu.pipl.erase import compact, delete_from_warehouse

    copy = work / "siyu.duckdb"
    shutil.copyfile(version / "siyu.duckdb", copy)
    removed = sum(delete_from_warehouse(copy, values).values())
    compact(copy)
    return copy, removed


def rewrite_snapshot(root: Path, date: str, values: set[str], request_id: str) -> int:
    """Re-publish snapshot ``date`` without the person; returns the rows removed (0: left as it was)."""
    link = root / "snapshots" / date
    version = link.resolve()
    meta = json.loads((version / PUBLICATION).read_text())
    work = root / "versions" / f".tmp-erase-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    try:
        cleaned, removed = _without_person(version, values, work)
        if not removed:
            return 0
        name = f"{date}.{uuid.uuid4().hex[:8]}"
        tmp = root / "versions" / f".tmp-{name}"
        _write_version(cleaned, tmp, meta["tables"], MAIN, date, docs_site=False)
        if (version / "docs").exists():  # dbt's docs site: the project's documentation, no row
            shutil.copytree(version / "docs", tmp / "docs")
        meta_new = json.loads((tmp / PUBLICATION).read_text())
        meta_new["erasures"] = [*meta.get("erasures", []), request_id]
        (tmp / PUBLICATION).write_text(json.dumps(meta_new, indent=2))
        restrict(tmp)
        tmp.replace(root / "versions" / name)
        _link(link, f"../versions/{name}")
        return removed
    finally:
        shutil.rmtree(work, ignore_errors=True)


def drop_unreferenced(root: Path) -> list[str]:
    """Every version neither ``current`` nor a snapshot points to, now: no grace period, since a
    version that held the person may not stay for a reader's sake."""
    return [name for name in clean_leftovers(root, grace_seconds=0) if not name.startswith(".")]


def rewrite_earlier(root: Path, values: set[str], request_id: str, current_date: str) -> dict[str, int]:
    """Each dated snapshot but the current one re-published without the person; then the versions
    no link holds go. Returns counts for the erasure log (no identifier)."""
    snapshots = sorted((root / "snapshots").glob("*")) if (root / "snapshots").exists() else []
    rows = rewritten = 0
    for link in snapshots:
        if link.name == current_date or not link.exists():
            continue
        n = rewrite_snapshot(root, link.name, values, request_id)
        rows += n
        rewritten += bool(n)
    return {
        "snapshots_rewritten": rewritten,
        "snapshot_rows_removed": rows,
        "versions_dropped": len(drop_unreferenced(root)),
    }
