"""The warehouse DAG's dbt step: one in-process ``dbt build`` per run, each node's status kept.

Rendering a task per dbt model (Cosmos) made every model its own Airflow process: under the scheduler
each cost 8-14 s of start-up for 1-2 s of dbt work (the warehouse 2.5-4x slower than under
``airflow dags test``), and the dag-processor ran ``dbt ls`` to render it. Cosmos' watcher mode (one
build, a sensor per model) deadlocks under ``airflow dags test``, which runs tasks one at a time. So
the DAG runs the build as one task, like ``dags test`` does, and keeps per-node status where an
operator looks: the task log lists every node with its status and seconds, and the task's return
value (XCom ``return_value``) holds them; a failed build names the failed nodes in its error (and
the failure alert). Nothing dbt runs when the DAG file is parsed.

Only this task and the marts gate and publish write the DuckDB file: they take the one-slot pool
and the ``siyu_local`` queue.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

# DuckDB allows one writer process: every task that writes the warehouse file takes this 1-slot pool.
DUCKDB_POOL = "siyu_duckdb"


def build_warehouse(run_date: str) -> dict[str, dict]:
    """``dbt build`` of the whole project for ``run_date``; logs and returns each node's status."""
    from siyu.quality.gates import held_partitions
    from siyu.warehouse import dbt_build

    held = held_partitions()  # partitions the raw gate held back: the build leaves them out
    if held:
        log.warning("building %s without the held-back partitions %s", run_date, ", ".join(held))
    nodes = dbt_build(run_date, extra_vars={"held_partitions": held} if held else None)
    counts: dict[str, int] = {}
    for unique_id, result in sorted(nodes.items()):
        counts[result["status"]] = counts.get(result["status"], 0) + 1
        log.info("%-8s %6.2fs %s", result["status"], result["seconds"], unique_id)
    log.info("dbt build %s: %s", run_date, ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return nodes
