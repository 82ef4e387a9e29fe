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
    } <= set(dagbag.dag_ids)


def test_ingest_tasks_produce_raw_assets(dagbag):
    uris = {
        outlet.uri
        for dag_id in ("siyu_ingest_wecom", "siyu_ingest_appdb", "siyu_ingest_idconvert",
                       "siyu_ingest_tracking")
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
    ids = set(dag.task_ids)
    assert {"raw_gate", "marts_gate", "publish"} <= ids
    dbt_tasks = [t for t in dag.tasks if t.task_id.startswith("dbt.")]
    assert dbt_tasks, "Cosmos rendered no dbt tasks"
    # every dbt task writes the DuckDB file: all share the one-slot pool
    assert {t.pool for t in dbt_tasks} == {"siyu_duckdb"}
    # the gate comes before any dbt model, publish after the marts gate
    roots = [t for t in dbt_tasks if not any(u.startswith("dbt.") for u in t.upstream_task_ids)]
    assert roots and all("raw_gate" in t.upstream_task_ids for t in roots)
    leaves = [t for t in dbt_tasks if not any(d.startswith("dbt.") for d in t.downstream_task_ids)]
    assert all("marts_gate" in t.downstream_task_ids for t in leaves)
    assert "marts_gate" in dag.get_task("publish").upstream_task_ids


def test_exports_run_on_the_published_marts(dagbag):
    from siyu.assets import PUBLISHED_MARTS

    dag = dagbag.get_dag("siyu_exports")
    assert {"export_files", "sync_tags"} <= set(dag.task_ids)
    assert PUBLISHED_MARTS.uri in str(dag.timetable.asset_condition)
