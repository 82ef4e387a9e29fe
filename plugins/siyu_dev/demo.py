"""`siyu demo` and `siyu dag`: the whole pipeline offline on the embedded defaults.

The WeCom simulator is served from this process on a free loopback port while the DAGs run in
`airflow dags test` (one Airflow process for a day's DAGs, siyu_dev.dag_batch); they reach it
through the `siyu_wecom` connection, exactly as they would reach the real API.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Iterator
from typing import Any

from rich.console import Console

from siyu.config import settings
from siyu_dev.local_airflow import airflow_env, dags_test_many, ensure_metadata_db
from siyu_dev.simulator.advisor import ADVISOR_CODE_SHARE

console = Console()

INGEST_DAGS = ("siyu_ingest_wecom", "siyu_ingest_appdb", "siyu_ingest_idconvert", "siyu_ingest_tracking")
WAREHOUSE_DAG = "siyu_warehouse"
EXPORTS_DAG = "siyu_exports"
NEEDS_WECOM = ("siyu_ingest_wecom", "siyu_ingest_idconvert", EXPORTS_DAG)


@contextlib.contextmanager
def wecom_connection(
    needed: bool = True, faults: float = 0.0, as_of: dt.datetime | None = None
) -> Iterator[dict[str, str]]:
    """Env for the DAG subprocesses: the configured WeCom connection, else a simulator we serve
    (as the corp stood at `as_of`, by default at the end of the simulated window)."""
    if not needed or os.environ.get("AIRFLOW_CONN_SIYU_WECOM"):
        yield {}
        return
    from siyu_dev.simulator.wecom_server import (
        DEMO_CORPID,
        DEMO_IDCONVERT_SECRET,
        DEMO_SECRET,
        serve,
        unpaced_rates,
    )

    server, _ = serve(settings().sim_dir / "wecom_state.json", port=0, faults=faults, as_of=as_of)
    try:
        connection = {
            "conn_type": "http",
            "host": "127.0.0.1",
            "port": server.server_port,
            "login": DEMO_CORPID,
            "password": DEMO_SECRET,
            "extra": {"rates": unpaced_rates()},
        }
        # the ID conversion through the corp's 代开发 app, as a real corp must
        idconvert = {**connection, "password": DEMO_IDCONVERT_SECRET}
        yield {
            "AIRFLOW_CONN_SIYU_WECOM": json.dumps(connection),
            "AIRFLOW_CONN_SIYU_WECOM_IDCONVERT": json.dumps(idconvert),
        }
    finally:
        server.shutdown()


def run_days(
    days: list[tuple[tuple[str, ...], str, dt.datetime | None]], faults: float = 0.0
) -> dict[str, float]:
    """Each (dag_ids, date, as_of): a day's DAGs in order, the days in order, all in one Airflow process
    (Airflow's start-up paid once); each day's runs reach a WeCom simulator standing as the corp did at
    its as_of. Returns the seconds of each run, by "dag_id date"."""
    timings: dict[str, float] = {}
    with contextlib.ExitStack() as servers:
        runs = []
        for dag_ids, date, as_of in days:
            needed = any(d in NEEDS_WECOM for d in dag_ids)
            extra = servers.enter_context(wecom_connection(needed=needed, faults=faults, as_of=as_of))
            runs += [(dag_id, date, extra) for dag_id in dag_ids]
        env = airflow_env()
        ensure_metadata_db(env)

        def done(dag_id: str, day: str, seconds: float) -> None:
            timings[f"{dag_id} {day}"] = seconds
            console.print(f"[green]✓[/] {dag_id} {day} in {seconds:.0f}s")

        with console.status(f"airflow dags test: {len(runs)} runs"):
            dags_test_many(runs, env, on_run=done)
    return timings


def run_dags(
    dag_ids: tuple[str, ...], date: str, faults: float = 0.0, as_of: dt.datetime | None = None
) -> dict[str, float]:
    return run_days([(dag_ids, date, as_of)], faults)


def run_demo(
    people: int,
    days: int,
    seed: int,
    end: dt.date,
    faults: float = 0.0,
    history_days: int = 7,
    build_days: int = 2,
    advisor_code_share: float = ADVISOR_CODE_SHARE,
    engine: str = "duckdb",
) -> None:
    """``build_days``: consecutive days the pipeline runs for, ending on ``end`` (each its ingests and
    warehouse, as a daily schedule would; exports on the last): the day-over-day marts (lifecycle and
    AIPL transitions, events waiting for their identity) then compare two real builds.
    ``engine``: the warehouse engine of the run (SIYU_ENGINE for its DAGs). On Spark the demo first
    checks that every model builds there, and refuses to start otherwise, naming those that do not."""
    from siyu.report import print_summary
    from siyu_dev.simulator.timeline import run_moment
    from siyu_dev.simulator.world import build_world, write_world

    use_engine(engine)
    s = settings()
    started = time.perf_counter()
    # A demo starts from a clean lake and warehouse, so a smaller world never mixes with an older one.
    for stale in (s.home / "lake", s.warehouse.parent, s.home / "quality", s.home / "published", s.state_dir):
        shutil.rmtree(stale, ignore_errors=True)
    with console.status(f"simulating {people} people over {days} days"):
        world = build_world(
            people=people, days=days, seed=seed, end=end, advisor_code_share=advisor_code_share
        )
        write_world(world, s.sim_dir, s.appdb_url)
    console.print(f"[green]✓[/] world of {people} people, {days} days, seed {seed} → {s.sim_dir}")
    days_run: list[tuple[tuple[str, ...], str, dt.datetime | None]] = []
    if history_days:
        # WeCom is a snapshot API: the marts' history (relations lost, contacts deleted by every staff
        # member, 7-day retention) needs an earlier snapshot, as a pipeline running daily would hold.
        earlier = end - dt.timedelta(days=history_days)
        days_run.append((("siyu_ingest_wecom",), earlier.isoformat(), run_moment(earlier)))
    for back in range(build_days - 1, 0, -1):  # the days before the last, oldest first
        day = end - dt.timedelta(days=back)
        days_run.append(((*INGEST_DAGS, WAREHOUSE_DAG), day.isoformat(), run_moment(day)))
    date = end.isoformat()
    days_run.append(((*INGEST_DAGS, WAREHOUSE_DAG, EXPORTS_DAG), date, None))
    run_days(days_run, faults)
    print_summary(date)
    print_identity_score()
    console.print(f"demo finished in {time.perf_counter() - started:.0f}s")


def use_engine(engine: str) -> None:
    """Set SIYU_ENGINE for this process and the DAGs it runs; on Spark only once every model is there."""
    from siyu.config import ENGINE_TARGETS
    from siyu.errors import BadInput

    if engine not in ENGINE_TARGETS:
        raise BadInput(f"--engine {engine!r}: expected one of {sorted(ENGINE_TARGETS)}")
    if engine == "spark":
        from siyu_dev.spark_coverage import missing_on_spark

        with console.status("checking which models build on Spark"):
            missing = missing_on_spark()
        if missing:
            raise BadInput(
                f"siyu demo --engine spark: {len(missing)} models are not on Spark yet (issue 22; "
                f"siyu_dev.spark_coverage.ON_SPARK lists those that are): {', '.join(missing)}"
            )
    os.environ["SIYU_ENGINE"] = engine


def print_identity_score() -> None:
    """The warehouse's customers scored against the simulator's ground truth (siyu score-identity)."""
    import json

    from siyu_dev.identity_evaluate import score_identity

    result = score_identity()
    baseline = result.pop("unionid_only_baseline")
    # One line each, never wrapped: scripts and the e2e test parse them.
    plain: dict[str, Any] = {"soft_wrap": True, "markup": False, "highlight": False}
    console.print("identity vs ground truth: " + json.dumps(result), **plain)
    console.print("unionid-only baseline:    " + json.dumps(baseline), **plain)
