"""docker-compose.yaml cannot run here (no Docker engine): Compose itself validates it, and its
structure is checked against what a first run needs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support.requirements import missing

ROOT = Path(__file__).resolve().parents[2]
SECRETS = (
    "POSTGRES_PASSWORD",
    "AIRFLOW_FERNET_KEY",
    "AIRFLOW_JWT_SECRET",
    "AIRFLOW_API_SECRET_KEY",
    "SIYU_PII_KEY",
    "SIYU_SUPPRESSION_KEY",
    "AIRFLOW_CONN_SIYU_WECOM",
)


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yaml").read_text())


def compose_command() -> list[str]:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    plugin = shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True)
    if plugin and plugin.returncode == 0:
        return ["docker", "compose"]
    missing("neither `docker compose` nor Debian's docker-compose is installed (.ci/run installs it)")


def config(env_file: Path, *args: str) -> subprocess.CompletedProcess:
    files = ["--env-file", str(env_file), "-f", str(ROOT / "docker-compose.yaml")]
    return subprocess.run(
        [*compose_command(), *files, *args, "config"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in SECRETS},
    )


def test_compose_validates_with_the_secrets_of_env_example(tmp_path):
    example = (ROOT / ".env.example").read_text()
    filled = "\n".join(line + "filled" if line.endswith("=") else line for line in example.splitlines())
    env_file = tmp_path / ".env"
    env_file.write_text(filled + "\n")
    result = config(env_file, "--profile", "demo")
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert {
        "postgres",
        "redis",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker",
        "airflow-worker-local",
        "airflow-init",
        "siyu-wecom",
    } <= set(services)


@pytest.mark.parametrize("missing", SECRETS)
def test_every_secret_is_required(tmp_path, missing):
    lines = [
        line + "filled" if line.endswith("=") and not line.startswith(missing + "=") else line
        for line in (ROOT / ".env.example").read_text().splitlines()
    ]
    env_file = tmp_path / ".env"
    env_file.write_text("\n".join(lines) + "\n")
    result = config(env_file)
    assert result.returncode != 0 and missing in result.stderr, (missing, result.stderr)


def test_one_copy_of_the_code_and_an_empty_plugins_folder():
    common = compose()["x-airflow-common"]
    env = common["environment"]
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/siyu/dags" and env["SIYU_PROJECT_ROOT"] == "/opt/siyu"
    targets = [m.split(":")[1] for m in common["volumes"]]
    assert not [t for t in targets if t.startswith(("/opt/siyu", "/opt/airflow/plugins"))]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM apache/airflow:3.3.2" in dockerfile and '-e "/opt/siyu[deploy]"' in dockerfile


def test_init_owns_the_folders_and_keeps_the_entrypoint():
    init = compose()["services"]["airflow-init"]
    script = init["command"][-1]
    assert "chown -R" in script and "/opt/airflow/data" in script and "/opt/airflow/logs" in script
    assert "exec /entrypoint airflow pools set siyu_duckdb 1" in script
    assert init["environment"]["_AIRFLOW_DB_MIGRATE"] == "true"


def test_the_local_queue_has_exactly_one_worker():
    services = compose()["services"]
    local = [s for s in services.values() if "siyu_local" in str(s.get("command", ""))]
    assert len(local) == 1 and "--concurrency 1" in local[0]["command"]
    assert local[0]["deploy"]["replicas"] == 1


def test_celery_executor_on_postgres_and_redis():
    env = compose()["x-airflow-common"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert "@postgres/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert env["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == "Asia/Shanghai"


SPARK_SERVICES = {"spark-master", "spark-worker", "spark-thrift"}


def test_the_spark_profile_validates_and_serves_the_thrift_target(tmp_path):
    example = (ROOT / ".env.example").read_text()
    filled = "\n".join(line + "filled" if line.endswith("=") else line for line in example.splitlines())
    env_file = tmp_path / ".env"
    env_file.write_text(filled + "\n")
    plain, spark = config(env_file), config(env_file, "--profile", "spark")
    assert plain.returncode == 0, plain.stderr
    assert spark.returncode == 0, spark.stderr
    services = yaml.safe_load(spark.stdout)["services"]
    assert SPARK_SERVICES <= set(services)
    # optional: each Spark service is in the profile only, so a plain `up` starts none of them
    assert all(services[name]["profiles"] == ["spark"] for name in SPARK_SERVICES)
    declared = compose()["services"]
    assert not [name for name, s in declared.items() if "spark" in name and not s.get("profiles")]
    images = {services[name]["image"] for name in SPARK_SERVICES}
    assert len(images) == 1 and ":" in next(iter(images)) and not next(iter(images)).endswith(":latest")
    thrift = services["spark-thrift"]
    command = " ".join(thrift["command"])
    assert command.startswith("/opt/spark/sbin/start-thriftserver.sh --master spark://spark-master:7077")
    assert "hive.server2.thrift.port=10000" in command
    assert "spark-master:7077" in services["spark-worker"]["command"]
    # tables and metastore on the data volume, which every Spark and Airflow container mounts alike
    assert "spark.sql.warehouse.dir=/opt/airflow/data/spark/warehouse" in command
    mounts = [str(v.get("target") if isinstance(v, dict) else v.split(":")[1]) for v in thrift["volumes"]]
    assert "/opt/airflow/data" in mounts
    # the Airflow containers' spark engine is dbt's spark_thrift target on this server
    env = services["airflow-worker"]["environment"]
    assert env["SIYU_ENGINE"] == "duckdb" and env["SIYU_SPARK_TARGET"] == "spark_thrift"
    assert env["SIYU_SPARK_HOST"] == "spark-thrift"
    thrift_target = yaml.safe_load((ROOT / "dbt_project" / "profiles.yml").read_text())["siyu"]["outputs"]
    assert thrift_target["spark_thrift"]["method"] == "thrift"
    assert "SIYU_SPARK_HOST" in thrift_target["spark_thrift"]["host"]
    assert "10000" in str(thrift_target["spark_thrift"]["port"])
