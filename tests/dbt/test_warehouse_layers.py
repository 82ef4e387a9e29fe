"""The warehouse DAG's layers (siyu.warehouse_build.LAYERS) cover the dbt project exactly once.

Every model, seed, snapshot and test is built by exactly one layer task, and a test runs no earlier
than the last of the nodes it reads: otherwise a model moved to a new top-level folder would silently
not be built, or a test would check yesterday's table.
"""

from __future__ import annotations

import json

import pytest

from siyu.warehouse_build import LAYERS, layer_selection

pytestmark = pytest.mark.slow


def dbt_ls(select: str | None = None, exclude: str | None = None) -> dict[str, dict]:
    from dbt.cli.main import dbtRunner

    from siyu.warehouse import dbt_args, dbt_env, environ

    with environ({**dbt_env(), "DBT_INDIRECT_SELECTION": "empty"}):  # as build_layer selects
        args = dbt_args("ls", "2026-12-01", select, None, exclude)
        result = dbtRunner().invoke(
            [
                *args,
                "--resource-type",
                "all",
                "--output",
                "json",
                "--output-keys",
                "unique_id resource_type depends_on",
                "--log-level",
                "none",
            ]
        )
    assert result.success, result.exception
    nodes = [json.loads(line) for line in result.result]
    return {n["unique_id"]: n for n in nodes if n["resource_type"] not in ("source", "exposure")}


def test_each_node_is_built_by_one_layer_after_what_it_reads(tmp_path, monkeypatch):
    monkeypatch.setenv("SIYU_HOME", str(tmp_path))
    everything = dbt_ls()
    layer_of: dict[str, str] = {}
    for layer in LAYERS:
        for unique_id in dbt_ls(*layer_selection(layer)):
            assert unique_id not in layer_of, (unique_id, layer_of.get(unique_id), layer)
            layer_of[unique_id] = layer
    assert set(layer_of) == set(everything), sorted(set(everything) ^ set(layer_of))[:10]
    order = list(LAYERS)
    for unique_id, node in everything.items():
        for parent in node.get("depends_on", {}).get("nodes", []):
            if parent in layer_of:  # sources and macros are no layer's
                assert order.index(layer_of[parent]) <= order.index(layer_of[unique_id]), (
                    unique_id,
                    layer_of[unique_id],
                    parent,
                    layer_of[parent],
                )
    tests = [u for u, n in everything.items() if n["resource_type"] in ("test", "unit_test")]
    assert {layer_of[t] for t in tests} == set(LAYERS)  # every layer checks its own models
