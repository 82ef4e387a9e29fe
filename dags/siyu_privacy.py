"""PIPL requests: erasures (Art. 47), access bundles (Art. 45) and opt-outs filed with `siyu privacy`."""

from airflow.sdk import dag, task

from siyu.dag_defaults import DAILY, LOCAL_QUEUE, dag_args
from siyu.warehouse_build import DUCKDB_POOL

DOC = """
Carries out every pending request in the privacy inbox (`SIYU_HOME/privacy/requests`), oldest first:
an opt-out is recorded in `privacy_opt_outs`; an export writes the person's bundle; an erasure adds
them to the suppression list, rewrites the lake partitions holding them, rebuilds and re-publishes
the warehouse, and scrubs exports, state, logs and quality results (`siyu.pipl.erase`). It writes the
DuckDB file: queue `siyu_local`, pool `siyu_duckdb`. `siyu privacy status ID` tells the outcome.
"""


@dag(dag_id="siyu_privacy", schedule=DAILY, **dag_args(timeout_hours=4, doc=DOC, tags=["privacy"]))
def siyu_privacy():
    @task(pool=DUCKDB_POOL, queue=LOCAL_QUEUE)
    def carry_out_pending() -> dict:
        from siyu.pipl.runner import carry_out_pending as run

        return run()

    carry_out_pending()


siyu_privacy()
