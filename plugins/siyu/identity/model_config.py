"""Helpers for the identity models written in Python (dbt Python models under dbt_project/models)."""

from __future__ import annotations

import ast
from typing import Any, NamedTuple

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


def arrow_ints(values: np.ndarray) -> pa.Array:
    """An Arrow array over a numpy integer buffer. Not pa.array(): its first conversion of numpy
    imports pandas, a second on a cold process."""
    values = np.ascontiguousarray(values)
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(values)])


class RunLimits(NamedTuple):
    """A model's row of incremental_run_limits (macros/incremental_state.sql)."""

    watermark: str | None  # 'YYYY-MM-DD' it folds after; None: its table is built anew in this run
    written_since_sql: str  # the filter on written_on keeping what changed since (true on a rebuild)


def run_limits(session, limits, model: str) -> RunLimits:
    """This run's limits of incremental ``model``, from ``limits``: the incremental_run_limits
    relation (``dbt.ref``), which must have been built by this run (it carries the run's date)."""
    limits.create_view("_incremental_run_limits", replace=True)
    try:
        rows = session.execute(
            "select cast(watermark as varchar), written_since_sql"
            " from _incremental_run_limits where model = ?",
            [model],
        ).fetchall()
    finally:
        session.execute("drop view if exists _incremental_run_limits")
    if not rows:
        raise LookupError(
            f"{model}: no row in incremental_run_limits; select it with its ancestors (+{model})"
        )
    return RunLimits(*rows[0])
