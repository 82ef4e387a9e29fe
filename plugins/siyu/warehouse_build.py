"""The warehouse DAG's dbt steps: one in-process ``dbt build`` per layer, each node's status kept.

Rendering a task per dbt model (Cosmos) made every model its own Airflow process: under the scheduler
each cost 8-14 s of start-up for 1-2 s of dbt work (the warehouse 2.5-4x slower than under
``airflow dags test``), and the dag-processor ran ``dbt ls`` to render it. Cosmos' watcher mode (one
build, a sensor per model) deadlocks under ``airflow dags test``, which runs tasks one at a time. So
the DAG's ``dbt`` task group holds a few tasks, one per layer of the project (seeds and staging,
intermediate, marts), each a ``dbt build`` of its layer in the task's own process: the UI shows
which layer failed, the task log lists every node with its status and seconds, and the task's return
value (XCom ``return_value``) holds them; a failed build names the failed nodes in its error (and
the failure alert). Nothing dbt runs when the DAG file is parsed.

Layers are top-level folders and graph operators, never model names, so moving models into
subfolders keeps them in their layer: seeds and ``models/staging``; the intermediate models no mart
is upstream of (the identity graph); then the marts and everything downstream of any mart (the
customer features, tags and predictions read the marts' customer ids). A test runs in the layer of
the latest node it reads, so it never checks a table that is still yesterday's; dbt's own pulling in
of tests is off (``DBT_INDIRECT_SELECTION=empty``) and each layer selects its tests explicitly.

On DuckDB only these tasks and the marts gate and publish write the DuckDB file: they take the
one-slot pool and the ``siyu_local`` queue. On Spark (``SIYU_ENGINE=spark``) the same tasks build the
same layers with the profile's ``spark`` target; the cluster has no single writer, so they take no
pool (``writer_task_options``). The DAG reads the engine when it is parsed and hands it to each task,
so a task runs on the engine it was rendered for whatever its worker's environment says.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

# DuckDB allows one writer process: every task that writes the warehouse file takes this 1-slot pool.
DUCKDB_POOL = "siyu_duckdb"

# The build's layers in order: (dbt selections of the layer's nodes, selections removed from them).
LAYERS: dict[str, tuple[list[str], list[str]]] = {
    "staging": (["path:seeds", "path:models/staging"], []),
    "intermediate": (["path:models/intermediate"], ["path:models/marts+"]),
    "marts": (["path:models/marts+"], []),
}
TESTS = ("test", "unit_test")


def writer_task_options(engine: str) -> dict[str, str]:
    """Airflow options of a task that writes the warehouse: the single-writer pool and the queue of
    the machine holding the DuckDB file, or none on Spark (the cluster takes concurrent writers)."""
    from siyu.dag_defaults import LOCAL_QUEUE

    if engine == "spark":
        return {}
    return {"pool": DUCKDB_POOL, "queue": LOCAL_QUEUE}


def downstream_tests(selection: str) -> list[str]:
    return [f"resource_type:{kind},{selection.rstrip('+')}+" for kind in TESTS]


def layer_selection(layer: str) -> tuple[str, str | None]:
    """(select, exclude) of a layer: its nodes and the tests downstream of them, less the tests that
    read a later layer."""
    names = list(LAYERS)
    nodes, removed = LAYERS[layer]
    select = [*nodes, *(t for n in nodes for t in downstream_tests(n))]
    later = [
        test
        for name in names[names.index(layer) + 1 :]
        for node in LAYERS[name][0]
        for test in downstream_tests(node)
    ]
    exclude = [*removed, *later]
    return " ".join(select), " ".join(exclude) or None


def build_layer(layer: str, run_date: str, engine: str | None = None) -> dict[str, dict]:
    """``dbt build`` of one layer for ``run_date``, on ``engine`` (default: SIYU_ENGINE); logs and
    returns each node's status and seconds."""
    from siyu.quality.gates import held_partitions
    from siyu.warehouse import dbt_build, environ

    held = held_partitions()  # partitions the raw gate held back: the build leaves them out
    if held:
        log.warning("building %s %s without the held-back partitions %s", layer, run_date, ", ".join(held))
    select, exclude = layer_selection(layer)
    # the layer's tests are selected explicitly; the engine the DAG was rendered for wins
    env = {"DBT_INDIRECT_SELECTION": "empty", **({"SIYU_ENGINE": engine} if engine else {})}
    with environ(env):
        nodes = dbt_build(
            run_date, select=select, exclude=exclude, extra_vars={"held_partitions": held} if held else None
        )
    counts: dict[str, int] = {}
    for unique_id, result in sorted(nodes.items()):
        counts[result["status"]] = counts.get(result["status"], 0) + 1
        log.info("%-8s %6.2fs %s", result["status"], result["seconds"], unique_id)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    log.info("dbt build %s, layer %s (%s): %s", run_date, layer, engine or "SIYU_ENGINE", summary)
    return nodes


def build_warehouse(run_date: str) -> dict[str, dict]:
    """Every layer in order, as the DAG's task group runs them (for the CLI and tests)."""
    return {uid: node for layer in LAYERS for uid, node in build_layer(layer, run_date).items()}
