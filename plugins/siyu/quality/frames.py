"""DataFrames for the suites: a raw lake partition, or a mart in the DuckDB warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from siyu.config import MARTS_SCHEMA, settings
from siyu.lake import Lake, Partition


def raw_frame(source: str, entity: str, dt: str, lake: Lake | None = None) -> pd.DataFrame:
    return (lake or Lake(settings().lake)).read(Partition(source, entity, dt)).to_pandas()


def mart_frame(model: str, warehouse: Path | None = None, schema: str = MARTS_SCHEMA) -> pd.DataFrame:
    # Read-only: never contend with a dbt writer for the file's write lock.
    with duckdb.connect(str(warehouse or settings().warehouse), read_only=True) as con:
        return con.execute(f'select * from "{schema}"."{model}"').fetch_df()
