"""Run the real DAGs locally: `airflow dags test` in-process on a SQLite metadata DB under SIYU_HOME.

This is how `make demo` and `make dag` drive Airflow without a scheduler: the same DAG files the
docker-compose deployment runs, one logical date at a time.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from siyu.config import project_root, settings
from siyu.errors import RunError

DUCKDB_POOL = "siyu_duckdb"  # kept in step with siyu.warehouse_build.DUCKDB_POOL (that module is the DAG's)


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
            # A date given without a zone (`siyu dag X 2026-11-24`, `airflow dags trigger --logical-date`)
            # is a China day, as in the compose deployment.
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Shanghai",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": env.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING"),
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


class RunInProgress(RunError):
    """Another local run of the same DAG and date holds its lock."""


@contextlib.contextmanager
def run_lock(home: Path, dag_id: str, logical_date: str):
    """One local run per DAG and date: a second would overwrite the first's log and lake partition."""
    folder = home / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{dag_id}_{logical_date}.lock").open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            raise RunInProgress(
                f"{dag_id} {logical_date} is already running here (pid {fh.read().strip() or '?'}); "
                "wait for it to finish"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield


def dags_test(dag_id: str, logical_date: str, env: dict[str, str], log_dir: Path | None = None) -> Path:
    """Run one DAG for one logical date (a China day); raise with the log's path when any task fails."""
    return dags_test_many([(dag_id, logical_date)], env, log_dir)[0]


def dags_test_many(
    runs: Sequence[tuple[str, str] | tuple[str, str, dict[str, str]]],
    env: dict[str, str],
    log_dir: Path | None = None,
    on_run: Callable[[str, str, float], None] | None = None,
) -> list[Path]:
    """`airflow dags test` of each (dag_id, China day[, env of its own]) in order, in one Airflow process
    (siyu_dev.dag_batch: Airflow's start-up paid once); a run's own env (its connections) is set for it
    alone. ``on_run(dag_id, day, seconds)`` after each. Raises with the log's path at the first run that
    fails, and stops the rest; returns the logs."""
    log_dir = log_dir or Path(env["SIYU_HOME"]) / "logs"
    batch: list[dict[str, Any]] = []
    for dag_id, day, *own_env in runs:
        dag_file = project_root() / "dags" / f"{dag_id}.py"
        batch.append(
            {
                "dag_id": dag_id,
                "date": day,
                "log": str(log_dir / f"{dag_id}_{day}.log"),
                # parse only this DAG's file: the other DAG files are not its business
                "dagfile": str(dag_file) if dag_file.exists() else None,
                "env": own_env[0] if own_env else {},
            }
        )
    with contextlib.ExitStack() as locks:
        for run in batch:
            locks.enter_context(run_lock(Path(env["SIYU_HOME"]), run["dag_id"], run["date"]))
        child = subprocess.Popen(
            [sys.executable, "-m", "siyu_dev.dag_batch"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(json.dumps(batch))
        child.stdin.close()
        done = 0
        for line in child.stdout:
            result = json.loads(line)
            log = Path(batch[done]["log"])
            if not result["ok"] or "state=failed" in log.read_text(errors="replace"):
                child.terminate()  # the runs after a failed one do not start, as in a day's schedule
                child.wait()
                raise RuntimeError(f"DAG {result['dag_id']} failed for {result['date']}; see {log}")
            if on_run:
                on_run(result["dag_id"], result["date"], result["seconds"])
            done += 1
        if child.wait() != 0 or done < len(batch):
            stopped = batch[min(done, len(batch) - 1)]["log"]
            raise RuntimeError(f"airflow dags test stopped after {done} of {len(batch)} runs; see {stopped}")
    return [Path(run["log"]) for run in batch]
