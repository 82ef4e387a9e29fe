"""Raw gate → dbt build (Cosmos) → marts gate → publish. Runs when every raw entity has landed."""

import pendulum
from airflow.sdk import dag, task
from cosmos import DbtTaskGroup

from siyu.assets import PUBLISHED_MARTS, all_raw_assets
from siyu.dbt_cosmos import DUCKDB_POOL, cosmos_configs
from siyu.run_context import run_date


@dag(
    dag_id="siyu_warehouse",
    schedule=all_raw_assets(),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # one writer of the DuckDB file at a time
    tags=["siyu", "warehouse"],
)
def siyu_warehouse():
    @task
    def resolve_run_date(**context) -> str:
        return run_date(context)

    @task
    def raw_gate(dt: str):
        from siyu import tasks

        return tasks.raw_gate(dt)

    @task(pool=DUCKDB_POOL)
    def marts_gate(dt: str):
        from siyu import tasks

        return tasks.marts_gate(dt)

    @task(outlets=[PUBLISHED_MARTS], pool=DUCKDB_POOL)
    def publish(dt: str, **context):
        from siyu import tasks

        published = tasks.publish(dt)
        context["outlet_events"][PUBLISHED_MARTS].extra = {"dt": dt}
        return published

    dt = resolve_run_date()
    dbt = DbtTaskGroup(
        group_id="dbt",
        **cosmos_configs(run_date="{{ ti.xcom_pull(task_ids='resolve_run_date') }}"),
    )
    raw_gate(dt) >> dbt >> marts_gate(dt) >> publish(dt)


siyu_warehouse()
