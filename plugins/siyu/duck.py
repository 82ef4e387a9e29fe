"""In-memory DuckDB connections for the package's heavy work (publishing, de-duplication, benches),
bounded like the dbt connection: memory limit, threads and spill directory from siyu.config.

Only for fresh in-memory databases: DuckDB refuses a second connection to an open database file
with another configuration, so reads of the warehouse file keep plain read-only connections.
"""

from __future__ import annotations

import duckdb

from siyu.config import duckdb_config


def connect() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(config=dict(duckdb_config()))
