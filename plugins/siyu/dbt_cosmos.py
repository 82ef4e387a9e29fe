"""Cosmos configuration: how the warehouse DAG renders and runs the dbt project."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from cosmos import ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import LoadMode, TestBehavior

from siyu.config import project_root
from siyu.warehouse import dbt_env

# DuckDB allows one writer process: every task that writes the warehouse file takes this 1-slot pool.
DUCKDB_POOL = "siyu_duckdb"


def dbt_executable() -> str:
    beside_python = Path(sys.executable).parent / "dbt"
    return str(beside_python) if beside_python.exists() else (shutil.which("dbt") or "dbt")


def cosmos_configs(run_date: str) -> dict[str, Any]:
    project = project_root() / "dbt_project"
    env = dbt_env()
    return {
        "project_config": ProjectConfig(dbt_project_path=project, env_vars=env, install_dbt_deps=False),
        "profile_config": ProfileConfig(
            profile_name="siyu", target_name="dev", profiles_yml_filepath=project / "profiles.yml"
        ),
        "execution_config": ExecutionConfig(dbt_executable_path=dbt_executable()),
        # One `dbt build` per model (model + its tests); a test spanning two models waits for both.
        "render_config": RenderConfig(
            load_method=LoadMode.DBT_LS,
            test_behavior=TestBehavior.BUILD,
            should_detach_multiple_parents_tests=True,
        ),
        "operator_args": {"vars": {"run_date": run_date}, "pool": DUCKDB_POOL},
    }
