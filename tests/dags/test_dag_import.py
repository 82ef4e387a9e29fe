"""The DAG files import cleanly and wire what DESIGN.md says."""

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dagbag(airflow_env_vars):
    from airflow.dag_processing.dagbag import DagBag

    from siyu.config import project_root

    return DagBag(dag_folder=str(project_root() / "dags"))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


def test_expected_dags(dagbag):
    assert {
        "siyu_ingest_wecom",
        "siyu_ingest_appdb",
        "siyu_ingest_idconvert",
        "siyu_ingest_tracking",
        "siyu_warehouse",
        "siyu_exports",
        "siyu_watch_landing",
    } <= set(dagbag.dag_ids)


def test_ingest_tasks_produce_raw_assets(dagbag):
    uris = {
        outlet.uri
        for dag_id in (
            "siyu_ingest_wecom",
            "siyu_ingest_appdb",
            "siyu_ingest_idconvert",
            "siyu_ingest_tracking",
        )
        for task in dagbag.get_dag(dag_id).tasks
        for outlet in task.outlets
    }
    # Every raw entity of the lake contract is some ingest task's outlet, and nothing else is.
    from siyu.contracts import RAW

    assert uris == {f"siyu://lake/raw/{source}/{entity}" for source, entity in RAW}


def test_id_conversion_runs_once_users_and_contacts_have_landed(dagbag):
    condition = dagbag.get_dag("siyu_ingest_idconvert").timetable.asset_condition
    assert type(condition).__name__ == "AssetAll"  # both, not either
    assert {a.uri for a in condition.objects} == {
        "siyu://lake/raw/appdb/mp_users",
        "siyu://lake/raw/wecom/external_contacts",
    }


def test_warehouse_order_and_single_writer(dagbag):
    dag = dagbag.get_dag("siyu_warehouse")
    chain = [
        "resolve_run_date",
        "raw_gate",
        "dbt.staging",
        "dbt.intermediate",
        "dbt.marts",
        "marts_gate",
        "publish",
    ]
    assert set(dag.task_ids) == set(chain)
    for upstream, downstream in zip(chain, chain[1:], strict=False):
        assert upstream in dag.get_task(downstream).upstream_task_ids, (upstream, downstream)
    # every task that writes the DuckDB file shares the one-slot pool and the one-worker queue
    for task_id in ("dbt.staging", "dbt.intermediate", "dbt.marts", "marts_gate", "publish"):
        task = dag.get_task(task_id)
        assert (task.pool, task.queue) == ("siyu_duckdb", "siyu_local"), task_id


def test_every_dag_is_operable(dagbag):
    """Owner, docs, a run timeout, a timeout and a failure alert on every task; China-day schedules."""
    from siyu.alerts import on_failure

    for dag_id in dagbag.dag_ids:
        dag = dagbag.get_dag(dag_id)
        assert dag.doc_md and dag.dagrun_timeout and dag.owner == "siyu-data", dag_id
        for task in dag.tasks:
            assert task.execution_timeout is not None, (dag_id, task.task_id)
            assert on_failure in task.on_failure_callback, (dag_id, task.task_id)
        if getattr(dag.timetable, "asset_condition", None) is None:
            assert type(dag.timetable).__name__ == "CronDataIntervalTimetable", dag_id
            assert "Asia/Shanghai" in str(dag.timetable.timezone), dag_id
    network = {
        "siyu_ingest_wecom": "land_snapshot",
        "siyu_ingest_appdb": "land_orders",
        "siyu_ingest_idconvert": "convert_unionids",
        "siyu_exports": "sync_tags",
    }
    for dag_id, task_id in network.items():
        assert dagbag.get_dag(dag_id).get_task(task_id).retries >= 1, dag_id


def test_exports_run_on_the_published_marts(dagbag):
    from siyu.assets import PUBLISHED_MARTS

    dag = dagbag.get_dag("siyu_exports")
    assert {"export_files", "sync_tags"} <= set(dag.task_ids)
    assert PUBLISHED_MARTS.uri in str(dag.timetable.asset_condition)


def _warehouse_dag(engine: str, monkeypatch):
    """siyu_warehouse parsed anew with SIYU_ENGINE=engine (the engine is read at parse time)."""
    from airflow.dag_processing.dagbag import DagBag

    from siyu.config import project_root

    monkeypatch.setenv("SIYU_ENGINE", engine)
    bag = DagBag(dag_folder=str(project_root() / "dags" / "siyu_warehouse.py"))
    assert bag.import_errors == {}
    return bag.get_dag("siyu_warehouse")


def test_warehouse_on_spark_renders_the_same_tasks_without_the_duckdb_pool(airflow_env_vars, monkeypatch):
    from siyu.config import ENGINE_TARGETS
    from siyu.warehouse import dbt_args, environ

    duck, spark = _warehouse_dag("duckdb", monkeypatch), _warehouse_dag("spark", monkeypatch)
    assert set(spark.task_ids) == set(duck.task_ids)
    for task_id in duck.task_ids:
        assert spark.get_task(task_id).upstream_task_ids == duck.get_task(task_id).upstream_task_ids
    for layer in ("staging", "intermediate", "marts"):
        on_duck, on_spark = duck.get_task(f"dbt.{layer}"), spark.get_task(f"dbt.{layer}")
        # the layer and the engine the task was rendered for are its literal arguments (dt an XCom)
        assert [a for a in on_spark.op_args if isinstance(a, str)] == [layer, "spark"]
        assert [a for a in on_duck.op_args if isinstance(a, str)] == [layer, "duckdb"]
        assert on_duck.pool == "siyu_duckdb"
        assert on_spark.pool != "siyu_duckdb", layer
    assert {t.pool for t in spark.tasks} == {"default_pool"}
    # build_layer runs dbt with the engine it is handed: its dbt target is the profile's spark target
    with environ({"SIYU_ENGINE": "spark"}):
        args = dbt_args("build", "2026-11-18")
    assert args[args.index("--target") + 1] == ENGINE_TARGETS["spark"] == "spark"
