"""A native Airflow deployment for tests, configured as docker-compose.yaml configures its containers.

api-server, scheduler, dag-processor, triggerer (and a Celery worker under the CeleryExecutor) run
as processes of their own against a fresh PostgreSQL database and a Redis db number of their own, on
free ports. Every process is stopped by its pid (its own process group) when the stack closes.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = str(Path(sys.executable).parent / "airflow")
POSTGRES = os.environ.get("SIYU_TEST_POSTGRES_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("SIYU_TEST_REDIS", "redis://127.0.0.1:6379")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def compose_environment() -> dict[str, str]:
    """The Airflow settings every compose service shares (x-airflow-common), as a dict."""
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    return {k: str(v) for k, v in compose["x-airflow-common"]["environment"].items()}


@dataclass
class Stack:
    home: Path
    executor: str
    extra_env: dict[str, str] = field(default_factory=dict)
    # a migrated metadata DB to copy (PostgreSQL's CREATE DATABASE ... TEMPLATE) instead of migrating
    template: str | None = None
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self):
        tag = uuid.uuid4().hex[:10]
        self.database = f"siyu_sched_{tag}"
        self.redis_db = 8 + int(tag, 16) % 8  # 8-15: away from the default db 0 other tools use
        self.api_port = free_port()
        base = POSTGRES.rsplit("/", 1)[0]
        self.metadata_url = f"{base}/{self.database}"
        self.env = self._environment()

    def _environment(self) -> dict[str, str]:
        compose = compose_environment()
        airflow_home = self.home / "airflow"
        (airflow_home / "plugins").mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SIYU_"))}
        # What compose sets and means the same natively; hosts and secrets become this machine's.
        for key in (
            "AIRFLOW__CORE__AUTH_MANAGER",
            "AIRFLOW__CORE__LOAD_EXAMPLES",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION",
            "AIRFLOW__CORE__DEFAULT_TIMEZONE",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK",
            "DO_NOT_TRACK",
            "AIRFLOW__CORE__PLUGINS_FOLDER",
        ):
            if key in compose:
                env[key] = compose[key]
        env.update(
            {
                "AIRFLOW_HOME": str(airflow_home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
                "AIRFLOW__CORE__PLUGINS_FOLDER": str(airflow_home / "plugins"),  # empty, as in the image
                "AIRFLOW__CORE__EXECUTOR": self.executor,
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.metadata_url.replace(
                    "postgresql://", "postgresql+psycopg2://"
                ),
                "AIRFLOW__CELERY__BROKER_URL": f"{REDIS}/{self.redis_db}",
                "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + self.metadata_url,
                "AIRFLOW__CORE__FERNET_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
                "AIRFLOW__API_AUTH__JWT_SECRET": uuid.uuid4().hex,
                "AIRFLOW__API__SECRET_KEY": uuid.uuid4().hex,
                "AIRFLOW__API__PORT": str(self.api_port),
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.api_port}/execution/",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(free_port()),
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                # Test-only economies on a shared 2-core machine: the DAG files do not change during a
                # test, so parse each once (not every 30 s); one api-server worker instead of four.
                "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "3600",
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.5",
                "AIRFLOW__CORE__PARALLELISM": "4",
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
                "SIYU_HOME": str(self.home / "siyu"),
                "SIYU_PROJECT_ROOT": str(ROOT),
                # required outside the demo, as in .env; the suite's own, so the `dags test` reference build
                # (in this process) pseudonymises the test numbers as the stack landed them
                "SIYU_PII_KEY": os.environ.get("SIYU_PII_KEY", "siyu-test-stack-key"),
                "SIYU_TASK_RETRIES": "0",
                "NO_COLOR": "1",
            }
        )
        env.update(self.extra_env)
        return env

    # -- lifecycle -------------------------------------------------------------------------------
    def create_database(self) -> None:
        import psycopg

        template = f' template "{self.template}"' if self.template else ""
        with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'create database "{self.database}"{template}')

    def save_template(self) -> str:
        """A copy of this stack's migrated metadata DB (before anything runs) for the next stack."""
        import psycopg

        name = f"{self.database}_template"
        with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'create database "{name}" template "{self.database}"')
        return name

    @staticmethod
    def drop_template(name: str) -> None:
        import psycopg

        with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')

    def drop_database(self) -> None:
        import psycopg

        with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'drop database if exists "{self.database}" with (force)')
        import redis

        redis.Redis.from_url(f"{REDIS}/{self.redis_db}").flushdb()

    def cli(self, *args: str, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [AIRFLOW, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"airflow {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
            )
        return result

    def start(self, save_template: bool = False) -> str | None:
        """Start the processes; ``save_template``: return a copy of the freshly migrated DB's name."""
        self.create_database()
        saved = None
        if self.template is None:
            # compose's airflow-init: migrate, then the one-slot pool of DuckDB writers
            self.cli("db", "migrate", timeout=600)
            self.cli("pools", "set", "siyu_duckdb", "1", "one writer of the DuckDB warehouse")
            saved = self.save_template() if save_template else None
        commands = {
            "api-server": ["api-server", "--port", str(self.api_port), "--host", "127.0.0.1"],
            "scheduler": ["scheduler"],
            "dag-processor": ["dag-processor"],
            "triggerer": ["triggerer"],
        }
        if self.executor == "CeleryExecutor":
            # one worker serves both queues here; a fleet runs siyu_local on exactly one of them
            commands["celery-worker"] = ["celery", "worker", "--queues", "default,siyu_local"]
        logs = self.home / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        for name, args in commands.items():
            out = (logs / f"{name}.log").open("w")
            self.processes[name] = subprocess.Popen(
                [AIRFLOW, *args],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return saved

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for proc in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for proc in self.processes.values():  # children left in the groups (task runners)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def check_alive(self) -> None:
        dead = {n: p.returncode for n, p in self.processes.items() if p.poll() is not None}
        if dead:
            tails = {n: (self.home / "logs" / f"{n}.log").read_text()[-2000:] for n in dead}
            raise RuntimeError(f"stack processes exited: {dead}\n{json.dumps(tails, indent=1)}")

    def api_ready(self) -> bool:
        import urllib.request

        try:
            url = f"http://127.0.0.1:{self.api_port}/api/v2/monitor/health"
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.status == 200
        except OSError:
            return False

    # -- the metadata DB, read directly ---------------------------------------------------------
    def query(self, sql: str, *params) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.metadata_url, connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()

    def wait(self, what: str, condition, timeout: float, every: float = 1.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            value = condition()
            if value:
                return value
            time.sleep(every)
        raise TimeoutError(f"waited {timeout:.0f}s for {what}; logs in {self.home / 'logs'}")

    def runs(self, dag_id: str) -> list[dict]:
        rows = self.query(
            "select run_id, run_type, state, logical_date, start_date, end_date from dag_run "
            "where dag_id = %s order by id",
            dag_id,
        )
        keys = ("run_id", "run_type", "state", "logical_date", "start_date", "end_date")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def asset_events(self, uri: str) -> list[dict]:
        rows = self.query(
            "select e.extra, e.timestamp, e.source_dag_id, e.source_run_id from asset_event e "
            "join asset a on a.id = e.asset_id where a.uri = %s order by e.id",
            uri,
        )
        return [{"extra": r[0], "timestamp": r[1], "dag_id": r[2], "run_id": r[3]} for r in rows]

    def xcom(self, dag_id: str, run_id: str, task_id: str):
        rows = self.query(
            "select value from xcom where dag_id = %s and run_id = %s and task_id = %s "
            "and key = 'return_value'",
            dag_id,
            run_id,
            task_id,
        )
        return rows[0][0] if rows else None
