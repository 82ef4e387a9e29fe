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
