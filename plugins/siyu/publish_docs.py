"""What a BI tool shows of the published file: descriptions on every table and column, also in the
Parquet files, and dbt's static docs site beside them.

dbt writes the YAML descriptions into the warehouse as comments (``persist_docs`` in
dbt_project.yml); ``create table as select`` drops them, so the publish copy carries them over with
``COMMENT ON``, which DBeaver, Superset's and Metabase's table browsers show. Parquet has no comment:
the descriptions go into the file's key-value metadata (``description``, and ``column_descriptions``
as JSON) and into each Arrow field's metadata (``description``), which pyarrow and polars read.

Timestamps are UTC instants (``timestamp with time zone``); a reader in another zone sees them in
its own. Their comments say so, and name the China-day column (Asia/Shanghai) where the table has one.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

UTC_NOTE = "UTC instant (timestamptz): a reader in another zone sees it in that zone."
DAY_NOTE = " The China day (Asia/Shanghai) is column {day}."


@dataclass
class TableDocs:
    description: str = ""
    columns: dict[str, str] = field(default_factory=dict)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def china_day_column(columns: dict[str, str], ts: str) -> str | None:
    """The date column beside timestamp ``ts`` whose comment says it is its China day, if any."""
    stem = ts.removesuffix("_at")
    china = {
        name: doc
        for name, doc in columns.items()
        if name != ts and ("China" in doc or "Asia/Shanghai" in doc)
    }
    for name in china:
        if name.startswith(stem):
            return name
    # a day named otherwise (session_date) whose comment names the timestamp: "China day ... of started_at"
    return next((name for name, doc in china.items() if name.endswith("_date") and f"of {ts}" in doc), None)


def read_docs(
    con: duckdb.DuckDBPyConnection, database: str, schema: str, tables: list[str]
) -> dict[str, TableDocs]:
    """Comments of ``tables`` in ``database.schema``, timestamps' comments completed with UTC_NOTE."""
    docs = {t: TableDocs() for t in tables}
    for name, comment in con.execute(
        "select table_name, comment from duckdb_tables() where database_name = $db and schema_name = $schema "
        "union all select view_name, comment from duckdb_views() "
        "where database_name = $db and schema_name = $schema",  # some marts are views in the warehouse
        {"db": database, "schema": schema},
    ).fetchall():
        if name in docs:
            docs[name].description = comment or ""
    timestamps: dict[str, list[str]] = {}
    for table, column, comment, data_type in con.execute(
        "select table_name, column_name, comment, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = ? order by table_name, column_index",
        [database, schema],
    ).fetchall():
        if table in docs:
            docs[table].columns[column] = comment or ""
            if data_type == "TIMESTAMP WITH TIME ZONE":
                timestamps.setdefault(table, []).append(column)
    for table, columns in timestamps.items():
        cols = docs[table].columns
        for ts in columns:
            day = china_day_column(cols, ts)
            note = UTC_NOTE + (DAY_NOTE.format(day=day) if day else "")
            cols[ts] = f"{cols[ts].rstrip()} {note}".strip()
    return docs


def write_comments(con: duckdb.DuckDBPyConnection, database: str, docs: dict[str, TableDocs]) -> None:
    for table, doc in docs.items():
        target = f'{database}.main."{table}"'
        if doc.description:
            con.execute(f"comment on table {target} is {_quote(doc.description)}")
        for column, text in doc.columns.items():
            if text:
                con.execute(f'comment on column {target}."{column}" is {_quote(text)}')


def annotate_parquet(path: Path, doc: TableDocs) -> None:
    """Rewrite ``path`` (streaming, batch by batch) with the descriptions in its metadata."""
    source = pq.ParquetFile(path)
    schema = source.schema_arrow
    fields = [
        f.with_metadata({"description": doc.columns[f.name]}) if doc.columns.get(f.name) else f
        for f in schema
    ]
    meta = {
        "description": doc.description,
        "column_descriptions": json.dumps(doc.columns, ensure_ascii=False),
    }
    new_schema = pa.schema(fields, metadata=meta)
    tmp = path.with_name(f".{path.name}.tmp")
    with pq.ParquetWriter(tmp, new_schema, compression="zstd") as writer:
        for batch in source.iter_batches():
            writer.write_batch(pa.RecordBatch.from_arrays(batch.columns, schema=new_schema))
    source.close()
    os.replace(tmp, path)


def carry_docs(
    con: duckdb.DuckDBPyConnection,
    source: str,
    schema: str,
    target: str,
    tables: list[str],
    parquet_dir: Path,
) -> dict[str, TableDocs]:
    """The publish hook: the warehouse's comments onto the published tables and Parquet files."""
    docs = read_docs(con, source, schema, tables)
    write_comments(con, target, docs)
    for table, doc in docs.items():
        annotate_parquet(parquet_dir / f"{table}.parquet", doc)
    return docs


def build_docs_site(warehouse: Path, folder: Path) -> Path:
    """``dbt docs generate --static`` against ``warehouse``: the one-file site, as ``folder/index.html``.
    Compiled SQL is skipped (--no-compile): the site documents, it does not run. The docs' own dbt folder
    is kept from one publication to the next, with fixed vars, so dbt parses only what changed since
    (partial parsing; the builds' own target holds the day's run_date, which makes every day a full
    parse there). One publication at a time writes it (a lock)."""
    from dbt.cli.main import dbtRunner

    from siyu.config import settings
    from siyu.warehouse import dbt_env, dbt_project_dir, environ, release_duckdb

    project = dbt_project_dir()
    work = settings().home / "dbt" / "docs"
    work.mkdir(parents=True, exist_ok=True)
    common = ["--project-dir", str(project), "--profiles-dir", str(project), "--target-path",
              str(work / "target"), "--log-path", str(work / "logs"), "--quiet",
              "--vars", json.dumps({"run_date": "1970-01-01"})]  # fmt: skip
    site = work / "target" / "static_index.html"
    # --no-compile writes no manifest of its own: `dbt parse` writes the one the docs read.
    with open(work / ".lock", "w") as lock, environ({**dbt_env(), "SIYU_WAREHOUSE": str(warehouse)}):
        fcntl.flock(lock, fcntl.LOCK_EX)
        site.unlink(missing_ok=True)
        try:
            result = dbtRunner().invoke(["parse", *common])
            if result.success:
                result = dbtRunner().invoke(["docs", "generate", "--static", "--no-compile", *common])
        finally:
            release_duckdb()
        if not result.success or not site.exists():
            raise RuntimeError(f"dbt docs generate failed: {result.exception}")
        # moved out (a rename on one file system), then renamed into place: a reader sees a whole site
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / ".index.html.tmp"
        shutil.move(site, tmp)
        os.replace(tmp, folder / "index.html")
    return folder / "index.html"
