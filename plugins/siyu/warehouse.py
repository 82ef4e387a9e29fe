"""Build the DuckDB warehouse with dbt, in-process (dbtRunner), for one logical date.

dbt reads the warehouse path and lake root from env vars (profiles.yml, sources); ``dbt_env()`` is
the single place they come from. dbt's target/ and logs/ go under
SIYU_HOME so builds leave the checkout clean.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from siyu.config import dbt_target, project_root, settings
from siyu.errors import RunError
from siyu.lake import dbt_filesystems

FAILED_STATUSES = {"error", "fail", "runtime error"}


class DbtBuildError(RunError):
    """dbt build did not succeed; ``failed`` lists the failing nodes (unique_id: message)."""

    def __init__(self, run_date: str, failed: list[str], cause: BaseException | None = None):
        self.failed = failed
        detail = "\n  ".join(failed) if failed else repr(cause)
        super().__init__(f"dbt build for {run_date} failed:\n  {detail}")


def dbt_project_dir() -> Path:
    return project_root() / "dbt_project"


def dbt_env() -> dict[str, str]:
    """The env vars the dbt project needs (profiles.yml and sources read them)."""
    s = settings()
    # dbt-duckdb opens the file but does not create its folder.
    s.warehouse.parent.mkdir(parents=True, exist_ok=True)
    return {
        "SIYU_HOME": str(s.home),
        "SIYU_LAKE": s.lake,
        "SIYU_LAKE_FILESYSTEMS": json.dumps(dbt_filesystems(s.lake)),  # a remote lake's (profiles.yml)
        "SIYU_WAREHOUSE": str(s.warehouse),
        # DuckDB's memory limit, threads and spill directory (profiles.yml settings)
        "SIYU_DUCKDB_MEMORY_LIMIT": s.duckdb_memory_limit,
        "SIYU_DUCKDB_THREADS": str(s.duckdb_threads),
        "SIYU_DUCKDB_TEMP_DIR": str(s.duckdb_temp_dir),
        # No usage pings from a data pipeline (and no dbt_project/.user.yml written into the checkout).
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


@contextmanager
def environ(values: dict[str, str]) -> Iterator[None]:
    # dbtRunner runs in this process and reads os.environ; restore it afterwards.
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def dbt_args(
    command: str,
    run_date: str,
    select: str | None = None,
    extra_vars: dict | None = None,
    exclude: str | None = None,
) -> list[str]:
    project = dbt_project_dir()
    work = settings().home / "dbt"
    args = [
        command,
        "--project-dir", str(project),
        "--profiles-dir", str(project),
        "--target-path", str(work / "target"),
        "--log-path", str(work / "logs"),
        "--vars", json.dumps({**(extra_vars or {}), "run_date": run_date}),
        "--target", dbt_target(settings().engine),
    ]  # fmt: skip
    if select:
        args += ["--select", select]
    if exclude:
        args += ["--exclude", exclude]
    return args


def dbt_build(
    run_date: str, select: str | None = None, extra_vars: dict | None = None, exclude: str | None = None
) -> dict[str, dict]:
    """``dbt build`` (models + tests) for ``run_date``; raises DbtBuildError naming the failed nodes.
    ``extra_vars`` override dbt_project.yml vars (windows, thresholds) for this build.
    Returns each node's status and seconds, by unique_id."""
    from dbt.cli.main import dbtRunner  # heavy import: only when building

    with environ(dbt_env()):
        start_engine_session()
        try:
            result = dbtRunner().invoke(dbt_args("build", run_date, select, extra_vars, exclude))
        finally:
            release_duckdb()
    if result.success:
        built = result.result.results  # type: ignore[union-attr]  # a build returns a RunExecutionResult
        return {
            r.node.unique_id: {"status": str(r.status), "seconds": round(r.execution_time, 2)} for r in built
        }
    failed = []
    for r in getattr(result.result, "results", None) or []:
        if str(r.status) in FAILED_STATUSES:
            # dbt's first line says where ("Compilation Error in model ..."), the next ones what.
            lines = [line.strip() for line in (r.message or "").splitlines() if line.strip()]
            if any(line.startswith("Traceback") for line in lines):  # a Python model: what was raised
                lines = [lines[0], next(x for x in reversed(lines) if not x.startswith("[") and ":" in x)]
            failed.append(f"{r.node.unique_id} [{r.status}]: {' | '.join(lines[:3])}")
    raise DbtBuildError(run_date, failed, result.exception)


def dbt_run_timed(run_date: str, select: str, extra_vars: dict | None = None) -> dict[str, float]:
    """The models and seeds of a selection built without their tests (the identity models read the
    seed of operators' overrides); returns seconds per node. For benchmarks."""
    from dbt.cli.main import dbtRunner

    with environ(dbt_env()):
        start_engine_session()
        try:
            types = ["--resource-type", "model", "--resource-type", "seed"]
            result = dbtRunner().invoke(dbt_args("build", run_date, select, extra_vars) + types + ["--quiet"])
        finally:
            release_duckdb()
    if not result.success:
        raise DbtBuildError(run_date, [str(result.exception)], result.exception)
    return {r.node.name: r.execution_time for r in result.result.results}  # type: ignore[union-attr]


def start_engine_session() -> None:
    """On Spark, the session dbt-spark will pick up, with the suppression variables set
    (siyu.spark_session); nothing on DuckDB (its plugin does it per connection) nor on a Thrift
    server (its session functions are registered server-side: README "On Spark")."""
    if dbt_target(settings().engine) == "spark":
        from siyu import spark_session

        spark_session.start((dbt_project_dir() / "profiles.yml").read_text())


def release_duckdb() -> None:
    """Close the DuckDB instance dbt-duckdb keeps open in this process after a run.

    Otherwise the warehouse file stays open here with dbt's settings, and a later read-only
    connection from the same process (a quality gate, a test) fails with "different configuration".
    dbt-duckdb has no public call for this; its environment is a class attribute.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if env is not None:
        env.close()
