"""Shared fixtures: an isolated SIYU_HOME per test session, and Airflow pointed at the repo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def airflow_env_vars(tmp_path_factory):
    """Point Airflow at this repo's dags/ with a throwaway home, for DagBag tests."""
    home = tmp_path_factory.mktemp("airflow")
    values = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "SIYU_HOME": str(tmp_path_factory.mktemp("siyu_home")),
        "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos"),
    }
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    # Cosmos caches `dbt ls` in Airflow Variables: the metadata DB must exist before a DAG is parsed.
    subprocess.run([str(Path(sys.executable).parent / "airflow"), "db", "migrate"], check=True,
                   capture_output=True, env=dict(os.environ))
    yield values
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory):
    """The demo at small size, run once per session: the e2e, report page and BI reader tests read it."""
    home = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SIYU_"))}
    env["SIYU_HOME"] = str(home)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "siyu"), "demo", "--people", "400", "--days", "30",
         "--seed", "11", "--faults", "0.1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return home, result.stdout
