"""Erase a person from the files beside the lake and the warehouse: state files, export folders,
logs, quality results, Data Docs, dbt's and Airflow's files (its SQLite metadata DB included).

Parquet: their rows go (``siyu.pipl.rows``). CSV, JSON lines and logs: the lines that name them go.
JSON: list items and values naming them go, other text keeps its shape with ``[erased]`` in place.
SQLite: text cells naming them get ``[erased]``, then the file is vacuumed (freed pages hold old
bytes). Each file is rewritten beside itself and renamed in, so a reader sees the old or the new.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq

from siyu.pipl.rows import scrub

ERASED = "[erased]"
LINE_FILES = {".csv", ".jsonl", ".log", ".txt", ".tsv", ".out", ".err"}


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.erase-tmp")
    tmp.write_bytes(data)
    os.chmod(tmp, path.stat().st_mode & 0o777)
    tmp.replace(path)


def _names(text: str, values: set[str]) -> bool:
    return any(v in text for v in values)


def _json_scrub(node, values: set[str]):
    if isinstance(node, dict):
        return {k: _json_scrub(v, values) for k, v in node.items() if not _names(str(k), values)}
    if isinstance(node, list):
        return [_json_scrub(v, values) for v in node if not (isinstance(v, str) and _names(v, values))]
    if isinstance(node, str) and _names(node, values):
        for v in values:
            node = node.replace(v, ERASED)
    return node


def scrub_file(path: Path, values: set[str]) -> int:
    """Rewrite ``path`` without the person; returns rows / lines / cells removed (0: untouched)."""
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        done = scrub(table, lambda _c, v: v in values)
        if not (done.rows_removed or done.cells_nulled):
            return 0
        tmp = path.with_name(f".{path.name}.erase-tmp")
        pq.write_table(done.table, tmp, compression="zstd")
        tmp.replace(path)
        return done.rows_removed + done.cells_nulled
    if path.suffix in (".db", ".sqlite", ".sqlite3"):
        return scrub_sqlite(path, values)
    data = path.read_bytes()
    if not any(v.encode() in data for v in values):
        return 0
    text = data.decode("utf-8", errors="surrogateescape")
    if path.suffix == ".json":
        try:
            _replace(path, json.dumps(_json_scrub(json.loads(text), values), ensure_ascii=False).encode())
            return 1
        except ValueError:
            pass
    if path.suffix in LINE_FILES or ".log" in path.name:
        lines = text.splitlines(keepends=True)
        kept = [line for line in lines if not _names(line, values)]
        _replace(path, "".join(kept).encode("utf-8", errors="surrogateescape"))
        return len(lines) - len(kept)
    hits = sum(text.count(v) for v in values)
    for v in values:
        text = text.replace(v, ERASED)
    _replace(path, text.encode("utf-8", errors="surrogateescape"))
    return hits


def scrub_sqlite(path: Path, values: set[str]) -> int:
    """Text and blob cells naming the person get ``[erased]``; then VACUUM drops the old pages."""
    changed = 0
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type = 'table'")]
        for table in tables:
            columns = [r[1] for r in con.execute(f'pragma table_info("{table}")')]
            for column in columns:
                for value in values:
                    # blobs (XCom values, serialised DAGs) are matched as text too
                    cur = con.execute(
                        f'update "{table}" set "{column}" = replace(cast("{column}" as text), ?, ?) '
                        f'where instr(cast("{column}" as text), ?) > 0',
                        [value, ERASED, value],
                    )
                    changed += cur.rowcount
        con.commit()
        if changed:
            con.execute("pragma wal_checkpoint(truncate)")
            con.execute("vacuum")
    finally:
        con.close()
    return changed


def scrub_tree(root: Path, values: set[str], skip: tuple[Path, ...] = ()) -> dict[str, int]:
    """Every file under ``root`` (but ``skip``): relative path → what was removed from it."""
    removed: dict[str, int] = {}
    if not root.exists():
        return removed
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = [d for d in dirs if not any((here / d).resolve() == s.resolve() for s in skip)]
        for name in files:
            path = here / name
            if path.is_symlink() or name.endswith(("-wal", "-shm", ".lock")) or not path.is_file():
                continue
            try:
                n = scrub_file(path, values)
            except (OSError, sqlite3.Error) as error:  # a file another process holds: said, not hidden
                raise RuntimeError(f"could not erase from {path}: {error}") from error
            if n:
                removed[str(path.relative_to(root))] = n
    return removed
