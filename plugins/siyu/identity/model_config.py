"""Helpers for the identity models written in Python (dbt Python models under dbt_project/models)."""

from __future__ import annotations

import ast
from typing import Any

import numpy as np
import pyarrow as pa


def config_list(value: Any) -> list:
    """A list var passed through a Python model's config: dbt renders it into the config as its
    repr, so it may arrive as a string. (The model itself must call ``dbt.config.get``: dbt finds
    the config keys a Python model reads by looking for those calls in its source.)"""
    if value is None:
        return []
    if isinstance(value, str):
        value = ast.literal_eval(value)
    return list(value)


def type_rank_sql(type_order: list[str], column: str = "identifier_type") -> str:
    """SQL ranking an identifier type by var identifier_type_order (the anchor tie-break), like
    the identifier_type_rank macro."""
    assert all(t.isidentifier() for t in type_order)  # safe to inline as literals
    whens = " ".join(f"when '{t}' then {i}" for i, t in enumerate(type_order, start=1))
    return f"case {column} {whens} else 99 end"


def customer_id_sql(type_column: str, value_column: str) -> str:
    """SQL deriving the customer_id from its anchor identifier, like the customer_id macro."""
    return f"'c_' || substr(md5({type_column} || ':' || {value_column}), 1, 16)"


def arrow_ints(values: np.ndarray) -> pa.Array:
    """An Arrow array over a numpy integer buffer. Not pa.array(): its first conversion of numpy
    imports pandas, a second on a cold process."""
    values = np.ascontiguousarray(values)
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(values)])


def watermark(session, this) -> str | None:
    """The date an incremental identity model last built through ('YYYY-MM-DD'), or None: no table
    yet, or its pre-hook (macros/incremental_state.sql) forgot the watermark for a rebuild.
    ``this`` is the model's dbt.this (database, schema, identifier)."""
    try:
        table = f'"{this.database}"."{this.schema}".incremental_watermarks'
        sql = f"select cast(folded_through as varchar) from {table} where model = ?"
        rows = session.execute(sql, [this.identifier]).fetchall()
    except Exception as e:  # no watermark table yet
        if "does not exist" not in str(e):
            raise
        return None
    return rows[0][0] if rows else None


def written_since(since: str, run_date: str) -> str:
    """SQL keeping the rows written after ``since`` or by this run_date's own build (a re-run), like
    the macro changed_since_watermark."""
    return f"(written_on > date '{since}' or written_on = date '{run_date}')"
