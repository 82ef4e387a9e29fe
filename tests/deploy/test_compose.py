"""docker-compose.yaml cannot run here (no Docker engine): check its structure instead."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yaml").read_text())


def test_services_present():
    services = compose()["services"]
    assert {
        "postgres", "redis", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
        "airflow-triggerer", "airflow-worker", "airflow-init",
    } <= set(services)


def test_airflow_services_use_one_image_with_project_mounts():
    services = compose()["services"]
    airflow = {k: v for k, v in services.items() if k.startswith("airflow-")}
    assert {v["image"] for v in airflow.values()} == {"siyu-airflow:0.1.0"}
    for svc in airflow.values():
        targets = {m.split(":")[1] for m in svc["volumes"]}
        assert {"/opt/airflow/dags", "/opt/airflow/plugins", "/opt/airflow/dbt_project",
                "/opt/airflow/expectations"} <= targets
        for mount in svc["volumes"]:
            assert (ROOT / mount.split(":")[0].removeprefix("./")).exists() or mount.startswith("./data") \
                or mount.startswith("./logs"), mount


def test_celery_executor_on_postgres_and_redis():
    env = compose()["x-airflow-common"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert "@postgres/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert compose()["services"]["postgres"]["image"].startswith("postgres:")
    assert compose()["services"]["redis"]["image"].startswith("redis:")


def test_image_is_airflow_3_3():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM apache/airflow:3.3.2" in dockerfile


def test_init_creates_duckdb_pool():
    cmd = " ".join(compose()["services"]["airflow-init"]["command"])
    assert "airflow db migrate" in cmd and "pools set siyu_duckdb 1" in cmd
