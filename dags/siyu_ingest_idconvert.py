"""WeCom ID conversion of the mini-program users → raw lake: which WeCom contact each one is."""

from airflow.sdk import dag, task

from siyu.assets import UNIONID_LINKS, raw_asset
from siyu.dag_defaults import TRANSIENT, dag_args
from siyu.run_context import mark_landed, run_date

DOC = """
Runs once both the day's mini-program users and the day's WeCom contacts have landed (their asset
events carry the day): converts the new users' (unionid, openid) through WeCom and matches the day's
contacts against earlier pending conversions.
"""


@dag(
    dag_id="siyu_ingest_idconvert",
    schedule=[raw_asset("appdb", "mp_users"), raw_asset("wecom", "external_contacts")],
    **dag_args(timeout_hours=4, doc=DOC, tags=["ingest"]),
)
def siyu_ingest_idconvert():
    @task(outlets=[UNIONID_LINKS], **TRANSIENT)
    def convert_unionids(**context):
        from siyu import tasks

        dt = run_date(context)
        manifest = tasks.land_unionid_links(dt)
        mark_landed(context, [UNIONID_LINKS], dt, {"unionid_links": manifest})
        return manifest.row_count

    convert_unionids()


siyu_ingest_idconvert()
