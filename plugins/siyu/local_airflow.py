"""Run the real DAGs locally: `airflow dags test` in-process on a SQLite metadata DB under SIYU_HOME.

This is how `make demo` and `make dag` drive Airflow without a scheduler: the same DAG files the
docker-compose deployment runs, one logical date at a time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from siyu.config import project_root, settings

DUCKDB_POOL = "siyu_duckdb"  # kept in step with siyu.dbt_cosmos.DUCKDB_POOL (that module imports Cosmos)


def airflow_bin() -> str:
    return str(Path(sys.executable).parent / "airflow")


def airflow_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    s = settings()
    root = project_root()
    airflow_home = s.home / "airflow"
    env = dict(os.environ)
    env.update(
        {
            "SIYU_HOME": str(s.home),
            "SIYU_LAKE": s.lake,
            "SIYU_WAREHOUSE": str(s.warehouse),
            "SIYU_PROJECT_ROOT": str(root),
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(root / "dags"),
            # siyu is an installed package, not an Airflow plugin: scanning plugins/ would import all of it.
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(airflow_home / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": env.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING"),
            # Cosmos keeps its dbt ls cache in Airflow Variables by default; a local dir is simpler here.
            "AIRFLOW__COSMOS__CACHE_DIR": str(s.home / "cosmos_cache"),
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",  # offline by default: no usage pings
            "DO_NOT_TRACK": "1",
            "NO_COLOR": "1",
        }
    )
    env.update(extra or {})
    return env


def _run(args: list[str], env: dict[str, str], log_path: Path | None = None) -> subprocess.CompletedProcess:
    if log_path is None:
        return subprocess.run(args, env=env, check=False)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as fh:
        return subprocess.run(args, env=env, stdout=fh, stderr=subprocess.STDOUT, check=False)


def ensure_metadata_db(env: dict[str, str]) -> None:
    home = Path(env["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    marker = home / ".migrated"
    if marker.exists():
        return
    log = home / "migrate.log"
    if _run([airflow_bin(), "db", "migrate"], env, log).returncode != 0:
        raise RuntimeError(f"airflow db migrate failed; see {log}")
    _run([airflow_bin(), "pools", "set", DUCKDB_POOL, "1", "one writer of the DuckDB warehouse"], env, log)
    marker.touch()


def dags_test(dag_id: str, logical_date: str, env: dict[str, str], log_dir: Path | None = None) -> Path:
    """Run one DAG for one logical date; raise with the log's path when any task fails."""
    log_dir = log_dir or Path(env["SIYU_HOME"]) / "logs"
    log = log_dir / f"{dag_id}_{logical_date}.log"
    command = [airflow_bin(), "dags", "test", dag_id, logical_date]
    dag_file = project_root() / "dags" / f"{dag_id}.py"
    if dag_file.exists():  # parse only this DAG's file: the warehouse DAG's dbt rendering costs seconds
        command += ["--dagfile-path", str(dag_file)]
    result = _run(command, env, log)
    if result.returncode != 0 or "state=failed" in log.read_text(errors="replace"):
        raise RuntimeError(f"DAG {dag_id} failed for {logical_date}; see {log}")
    return log
