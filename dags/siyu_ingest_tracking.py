"""Mini-program tracking log files from the inbox → de-duplicated events (and a quarantine) in the lake."""

from airflow.sdk import dag, task

from siyu.assets import raw_assets
from siyu.dag_defaults import DAILY, LOCAL_QUEUE, dag_args
from siyu.run_context import mark_landed, run_date

TRACKING = raw_assets("tracking")
DOC = """
Lands the tracking files named for the China day (and any earlier file no run took yet) as
de-duplicated events, bad lines quarantined with a reason. The processed-files ledger has one
writer: the task runs on the `siyu_local` queue, which one worker serves.
"""


@dag(dag_id="siyu_ingest_tracking", schedule=DAILY, **dag_args(timeout_hours=4, doc=DOC, tags=["ingest"]))
def siyu_ingest_tracking():
    @task(outlets=TRACKING, queue=LOCAL_QUEUE)
    def land_events(**context):
        from siyu import tasks

        dt = run_date(context)
        manifests = tasks.land_tracking(dt)
        mark_landed(context, TRACKING, dt, manifests)
        return {e: m.row_count for e, m in manifests.items()}

    land_events()


siyu_ingest_tracking()
