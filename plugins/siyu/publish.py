"""Publish the marts: a read-only DuckDB file for BI plus Parquet, switched together in one step.

BI readers open ``published/siyu.duckdb`` (and ``published/parquet/``) while the working warehouse
is being rebuilt; they must never block the build, nor see half of it, nor a DuckDB file and Parquet
of two different runs. So each publication is one versioned folder holding both::

    published/versions/<dt>.<id>/{siyu.duckdb, parquet/, _publication.json}
    published/current      -> versions/<dt>.<id>     the newest publication (one symlink swap)
    published/siyu.duckdb  -> current/siyu.duckdb    stable paths for readers
    published/parquet      -> current/parquet
    published/snapshots/<dt> -> ../versions/<dt>.<id>  every date's own snapshot

A version is written in full (hidden, ``.tmp-…``) and renamed into place before ``current`` is
swapped, so a kill at any point leaves the previous publication whole; the next run removes what a
killed one left. ``current`` never moves backwards: a build of an earlier date (a backfill) publishes
to its own dated snapshot only, and exports and tag sync, which read ``current``, keep acting on the
newest marts. A full disk fails with a message that says so, and leaves nothing behind.
The DuckDB file is written with an older storage version so DuckDB 1.x readers can open it too.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
import shutil
import time
import uuid
from pathlib import Path

import duckdb

from siyu import duck
from siyu.config import MARTS_SCHEMA
from siyu.errors import RunError
from siyu.lake import restrict, restrict_folder

log = logging.getLogger(__name__)

STORAGE_VERSION = "v1.0.0"
PUBLICATION = "_publication.json"
KEEP_SNAPSHOTS = 7  # dated snapshots kept besides the current one (SIYU_PUBLISHED_SNAPSHOTS)
GRACE_SECONDS = 600  # an unreferenced version younger than this is kept for readers still opening it


class PublishError(RunError):
    pass


def mart_tables(warehouse: Path, schema: str = MARTS_SCHEMA) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1",
            [schema],
        ).fetchall()
    return [r[0] for r in rows]


def publication(published: Path) -> dict | None:
    """What ``published`` (the stable siyu.duckdb path, or a version folder) holds: dt, tables."""
    folder = published if published.is_dir() else published.resolve().parent
    meta = folder / PUBLICATION
    return json.loads(meta.read_text()) if meta.exists() else None


def newer_publication(published: Path, date: str) -> str | None:
    """The date of the current publication when it is newer than ``date`` (else None)."""
    current = publication(published) if published.exists() else None
    newest = (current or {}).get("dt")
    return newest if newest and newest > date else None


def _write_version(
    warehouse: Path, folder: Path, tables: list[str], schema: str, date: str | None, docs_site: bool
) -> None:
    """Both formats of every mart into ``folder``, with the dbt docs as comments and Parquet metadata;
    ``docs_site``: also dbt's static docs site as ``docs/index.html``."""
    from siyu import publish_docs

    (folder / "parquet").mkdir(parents=True)
    with duck.connect() as con:
        con.execute(f"attach '{warehouse}' as wh (read_only)")
        con.execute(f"attach '{folder / 'siyu.duckdb'}' as pub (storage_version '{STORAGE_VERSION}')")
        for t in tables:
            con.execute(f'create table pub.main."{t}" as select * from wh.{schema}."{t}"')
            parquet = folder / "parquet" / f"{t}.parquet"
            con.execute(f"copy wh.{schema}.\"{t}\" to '{parquet}' (format parquet)")
        publish_docs.carry_docs(con, "wh", schema, "pub", tables, folder / "parquet")
        con.execute("detach pub")
    if docs_site:
        publish_docs.build_docs_site(warehouse, folder / "docs")
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    meta = {"dt": date, "tables": tables, "published_at": now}
    (folder / PUBLICATION).write_text(json.dumps(meta, indent=2))


def _link(path: Path, target: str) -> None:
    """Point the symlink ``path`` at ``target`` in one rename (a reader sees the old or the new)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.link")
    os.symlink(target, tmp)
    if path.is_dir() and not path.is_symlink():  # an older Siyu's plain folder: moved aside once
        aside = path.with_name(f".{path.name}.old-layout")
        os.replace(path, aside)
        os.replace(tmp, path)
        shutil.rmtree(aside, ignore_errors=True)
        return
    os.replace(tmp, path)


def _disk_full(error: BaseException) -> bool:
    return (isinstance(error, OSError) and error.errno == errno.ENOSPC) or (
        "no space left on device" in str(error).lower() or "disk is full" in str(error).lower()
    )


def clean_leftovers(root: Path, keep: int | None = None, grace_seconds: float = GRACE_SECONDS) -> list[str]:
    """Remove what a killed run left (hidden temp folders and links) and versions no snapshot or
    ``current`` points to, once older than ``grace_seconds``; keep the ``keep`` newest dated snapshots."""
    keep = int(os.environ.get("SIYU_PUBLISHED_SNAPSHOTS", KEEP_SNAPSHOTS)) if keep is None else keep
    removed = []
    for leftover in [*root.glob(".*.link"), *(root / "versions").glob(".tmp-*")]:
        if leftover.is_symlink() or leftover.is_file():
            leftover.unlink()
        else:
            shutil.rmtree(leftover, ignore_errors=True)
        removed.append(leftover.name)
    snapshots = sorted((root / "snapshots").glob("*")) if (root / "snapshots").exists() else []
    for old in snapshots[:-keep] if keep else snapshots:
        old.unlink()
    wanted = {p.resolve() for p in (root / "snapshots").glob("*")} if (root / "snapshots").exists() else set()
    if (root / "current").exists():
        wanted.add((root / "current").resolve())
    # a reader that resolved `current` just before a swap opens its version a moment later: a version
    # written in the last grace_seconds stays (the next day's publish removes it); an erasure gives 0
    recent = time.time() - grace_seconds
    for version in (root / "versions").glob("*") if (root / "versions").exists() else []:
        if version.name.startswith(".") or version.resolve() in wanted:
            continue
        if version.stat().st_mtime > recent:
            continue
        shutil.rmtree(version, ignore_errors=True)
        removed.append(version.name)
    return removed


def publish(
    warehouse: Path,
    target: Path,
    parquet_dir: Path,
    schema: str = MARTS_SCHEMA,
    date: str | None = None,
    docs_site: bool = False,
) -> list[str]:
    """Publish the marts of the build of ``date``; returns the tables. ``target`` and ``parquet_dir``
    are the stable paths readers open (beside each other); ``docs_site`` adds ``docs/index.html``."""
    tables = mart_tables(warehouse, schema)
    if not tables:
        raise RuntimeError(f"no marts in schema {schema} of {warehouse}: nothing to publish")
    root = target.parent
    (root / "versions").mkdir(parents=True, exist_ok=True)
    clean_leftovers(root)
    name = f"{date or 'undated'}.{uuid.uuid4().hex[:8]}"
    tmp = root / "versions" / f".tmp-{name}"
    try:
        _write_version(warehouse, tmp, tables, schema, date, docs_site)
    except (OSError, duckdb.Error) as error:
        shutil.rmtree(tmp, ignore_errors=True)
        if _disk_full(error):
            free = shutil.disk_usage(root).free
            raise PublishError(
                f"disk full while publishing {date or 'the marts'} to {root} ({free // 2**20} MiB free): "
                f"nothing was published, the current publication is unchanged"
            ) from error
        raise
    restrict(tmp, warehouse)
    version = root / "versions" / name
    os.replace(tmp, version)
    if date:
        (root / "snapshots").mkdir(exist_ok=True)
        _link(root / "snapshots" / date, f"../versions/{name}")
    newer = newer_publication(target, date) if date else None
    if newer:
        log.warning("published %s to its snapshot only: the current publication is newer (%s)", date, newer)
    else:
        _link(root / "current", f"versions/{name}")  # the one step that switches both formats
        _link(target, f"current/{target.name}")
        _link(parquet_dir, os.path.relpath(root / "current" / "parquet", parquet_dir.parent))
        if docs_site:
            _link(root / "docs", "current/docs")
    for folder in (root, root / "versions", root / "snapshots"):
        if folder.exists():
            restrict_folder(folder)
    clean_leftovers(root)
    return tables
