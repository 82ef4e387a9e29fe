"""Look for a person everywhere under SIYU_HOME: raw bytes of every file, and inside Parquet, DuckDB
and SQLite files through their readers (compression can hide a string from a byte search)."""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
from pathlib import Path

import duckdb
import pyarrow.parquet as pq


def _in_parquet(path: Path, pattern: re.Pattern) -> int:
    table = pq.read_table(path)
    return sum(1 for row in table.to_pylist() if pattern.search(repr(row)))


def _in_duckdb(path: Path, needles: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:  # a copy: the original may be open elsewhere
        copy = Path(tmp) / "copy.duckdb"
        copy.write_bytes(path.read_bytes())
        with duckdb.connect(str(copy), read_only=True) as con:
            tables = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
            found = 0
            for schema, table in tables:
                found += con.execute(
                    f'select count(*) from "{schema}"."{table}" as x '
                    "where list_bool_or(list_transform($n, lambda s: contains(x::varchar, s)))",
                    {"n": needles},
                ).fetchall()[0][0]
    return found


def _in_sqlite(path: Path, pattern: re.Pattern) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.db"
        with sqlite3.connect(path) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        con = sqlite3.connect(copy)
        found = 0
        for (table,) in con.execute("select name from sqlite_master where type = 'table'").fetchall():
            for row in con.execute(f'select * from "{table}"'):
                found += bool(pattern.search(repr(row)))
        con.close()
    return found


def scan(home: Path, needles: set[str], skip: tuple[str, ...] = ("sim",)) -> dict[str, dict[str, int]]:
    """Layer (first folder under home) → {"files": files whose bytes hold a needle, "rows": rows or
    cells a reader finds holding one}."""
    needles = sorted(n for n in needles if n)
    pattern = re.compile("|".join(map(re.escape, needles)))
    raw = [n.encode() for n in needles]
    result: dict[str, dict[str, int]] = {}
    for folder, dirs, files in os.walk(home):
        rel = Path(folder).relative_to(home)
        if rel.parts and rel.parts[0] in skip:
            dirs[:] = []
            continue
        for name in files:
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            layer = rel.parts[0] if rel.parts else name
            counts = result.setdefault(layer, {"files": 0, "rows": 0})
            data = path.read_bytes()
            counts["files"] += any(n in data for n in raw)
            if name.endswith(".parquet"):
                counts["rows"] += _in_parquet(path, pattern)
            elif name.endswith(".duckdb"):
                counts["rows"] += _in_duckdb(path, needles)
            elif name.endswith(".db") and data[:16].startswith(b"SQLite format 3"):
                counts["rows"] += _in_sqlite(path, pattern)
    return result


def total(result: dict[str, dict[str, int]]) -> int:
    return sum(c["files"] + c["rows"] for c in result.values())
