"""WeCom contacts, follow users, groups, tags, contact ways and staff stats → raw lake (daily snapshot)."""

from airflow.sdk import dag, task

from siyu.assets import raw_assets
from siyu.dag_defaults import DAILY, TRANSIENT, dag_args
from siyu.run_context import mark_landed, run_date

WECOM = raw_assets("wecom")
DOC = """
Snapshots WeCom (external contacts with their staff relations, groups and members, corp tags,
contact ways, staff behaviour) for the China day; WeCom is a snapshot API, so a day's partition is
the corp as the run found it. Retries transient API errors; the client paces each API under its quota.
"""


@dag(dag_id="siyu_ingest_wecom", schedule=DAILY, **dag_args(timeout_hours=4, doc=DOC, tags=["ingest"]))
def siyu_ingest_wecom():
    @task(outlets=WECOM, **TRANSIENT)
    def land_snapshot(**context):
        from siyu import tasks

        dt = run_date(context)
        manifests = tasks.land_wecom(dt)
        mark_landed(context, WECOM, dt, manifests)
        return {e: m.row_count for e, m in manifests.items()}

    land_snapshot()


siyu_ingest_wecom()
