"""Raw gate → dbt build → marts gate → publish. Runs when every raw entity has landed."""

from airflow.sdk import dag, task, task_group

from siyu.assets import PUBLISHED_MARTS, all_raw_assets
from siyu.config import engine_from_env
from siyu.dag_defaults import LOCAL_QUEUE, dag_args
from siyu.run_context import run_date
from siyu.warehouse_build import LAYERS, writer_task_options

ENGINE = engine_from_env()  # SIYU_ENGINE: duckdb (default) or spark
WRITER = writer_task_options(ENGINE)

DOC = """
Builds the China day its triggering lake events carry (`dt`), once every raw entity and the ID
conversion have landed that day: a failed ingest leaves it waiting. The raw Great Expectations
gate stops bad input before dbt; the `dbt` task group builds the project layer by layer (staging,
intermediate, marts), each task one in-process `dbt build` whose log and return value list every
model's and test's status and seconds; the marts gate stops a bad build before publish.
Only this DAG writes the DuckDB file (queue `siyu_local`, pool `siyu_duckdb`). With
`SIYU_ENGINE=spark` the same layers build on the profile's `spark` target, without the pool.
Rebuild a day: `airflow dags trigger siyu_warehouse --logical-date D`, or clear its run.
"""


@dag(
    dag_id="siyu_warehouse",
    schedule=all_raw_assets(),
    **dag_args(timeout_hours=3, doc=DOC, tags=["warehouse"]),
)
def siyu_warehouse():
    @task
    def resolve_run_date(**context) -> str:
        return run_date(context)

    @task
    def raw_gate(dt: str):
        from siyu import tasks

        return tasks.raw_gate(dt)

    @task(**WRITER)
    def marts_gate(dt: str):
        from siyu import tasks

        return tasks.marts_gate(dt)

    @task(outlets=[PUBLISHED_MARTS], **{"queue": LOCAL_QUEUE, **WRITER})  # publications are local files
    def publish(dt: str, **context):
        from siyu import tasks

        published = tasks.publish(dt)
        context["outlet_events"][PUBLISHED_MARTS].extra = {"dt": dt}
        return published

    @task(**WRITER)
    def dbt_layer(layer: str, dt: str, engine: str):
        from siyu.warehouse_build import build_layer

        return build_layer(layer, dt, engine)

    @task_group(group_id="dbt")
    def dbt(dt: str):
        layers = [dbt_layer.override(task_id=layer)(layer, dt, ENGINE) for layer in LAYERS]
        for upstream, downstream in zip(layers, layers[1:], strict=False):
            upstream >> downstream

    dt = resolve_run_date()
    raw_gate(dt) >> dbt(dt) >> marts_gate(dt) >> publish(dt)


siyu_warehouse()
