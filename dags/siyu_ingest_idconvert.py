"""WeCom ID conversion of the mini-program users → raw lake: which WeCom contact each one is.

Runs once both the day's mini-program users and the day's WeCom contacts have landed: it converts the
new users' (unionid, openid) and matches the day's contacts against earlier pending conversions.
"""

import pendulum
from airflow.sdk import dag, task

from siyu.assets import UNIONID_LINKS, raw_asset
from siyu.run_context import mark_landed, run_date


@dag(
    dag_id="siyu_ingest_idconvert",
    schedule=[raw_asset("appdb", "mp_users"), raw_asset("wecom", "external_contacts")],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["siyu", "ingest"],
    default_args={"retries": 2, "retry_delay": pendulum.duration(minutes=2)},
)
def siyu_ingest_idconvert():
    @task(outlets=[UNIONID_LINKS])
    def convert_unionids(**context):
        from siyu import tasks

        dt = run_date(context)
        manifest = tasks.land_unionid_links(dt)
        mark_landed(context, [UNIONID_LINKS], dt, {"unionid_links": manifest})
        return manifest.row_count

    convert_unionids()


siyu_ingest_idconvert()
