"""Siyu deployed for real: the scheduler runs the ingest DAGs, their Assets drive the rest.

A native stack (api-server, scheduler, dag-processor, triggerer, and a Celery worker under the
CeleryExecutor) on PostgreSQL and Redis, configured as docker-compose.yaml configures it. Day 1 is
the scheduler's own run of yesterday (China time), day 2 today's, triggered with its date: each time
the ID conversion, the warehouse and the exports run once, with that day's date; the lake
holds every app-DB row of the day, and the published marts equal an `airflow dags test` build of the
same lake. Then WeCom goes away: its ingest fails, alerts the WeCom group robot, and the warehouse
waits. The CeleryExecutor (docker-compose.yaml's) runs that whole story; the LocalExecutor runs the
scheduler's own day 1 and is compared with the same reference's day 1 (the triggered day and the
outage do not depend on the executor: they cost the suite minutes a second time for nothing).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from tests.deploy.robot import Robot, robot_connection, serve_robot
from tests.deploy.stack import POSTGRES, REDIS, Stack, free_port
from tests.support.chromium import HEADLESS
from tests.support.requirements import missing

pytestmark = [pytest.mark.slow]

INGEST = ("siyu_ingest_wecom", "siyu_ingest_appdb", "siyu_ingest_tracking")
CHAIN = ("siyu_ingest_idconvert", "siyu_warehouse", "siyu_exports")
PUBLISHED = "siyu://published/marts"
WHOLE_STORY = "CeleryExecutor"  # the other executor runs day 1 only (module docstring)
# What each executor's run needs of one China day (measured up to 711 s and 486 s under load): at China's
# midnight the scheduler creates the next interval's run, as it should, which a test of one scheduled
# day must not meet. A run that would cross it starts after it instead.
DAY_NEEDED = {WHOLE_STORY: dt.timedelta(minutes=25), "LocalExecutor": dt.timedelta(minutes=15)}


def _require_servers() -> None:
    problems = []
    try:
        import psycopg

        psycopg.connect(POSTGRES, connect_timeout=3).close()
    except Exception as error:  # any failure means "no server here"
        problems.append(f"PostgreSQL at {POSTGRES.split('@')[-1]}: {type(error).__name__}")
    try:
        import redis

        redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping()
    except Exception as error:
        problems.append(f"Redis at {REDIS}: {type(error).__name__}")
    if problems:
        missing("not reachable: " + "; ".join(problems))


def wecom_connection(port: int, secret: str | None = None) -> str:
    """The simulator as a connection: the self-built app's secret, or ``secret`` (the 代开发 app's, which
    the ID conversion needs)."""
    from siyu_dev.simulator.wecom_server import DEMO_CORPID, DEMO_SECRET, unpaced_rates

    return json.dumps(
        {
            "conn_type": "http",
            "host": "127.0.0.1",
            "port": port,
            "login": DEMO_CORPID,
            "password": secret or DEMO_SECRET,
            "extra": {"rates": unpaced_rates()},
        }
    )


def idconvert_secret() -> str:
    from siyu_dev.simulator.wecom_server import DEMO_IDCONVERT_SECRET

    return DEMO_IDCONVERT_SECRET


def china_today() -> dt.date:
    from siyu.run_context import china_day

    return china_day(dt.datetime.now(dt.UTC))


def yesterday_lasting(needed: dt.timedelta) -> dt.date:
    """Yesterday in China, once at least ``needed`` of today is left (waiting out its midnight if not)."""
    from siyu.run_context import day_end_utc

    left = day_end_utc(china_today()) - dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if left < needed:
        time.sleep(left.total_seconds() + 1)
    return china_today() - dt.timedelta(days=1)


def source_rows(appdb: Path, table: str, key: str, before: dt.datetime) -> set:
    import sqlite3

    with sqlite3.connect(appdb) as con:
        return {
            r[0]
            for r in con.execute(
                f"select {key} from {table} where updated_at < ?", (before.isoformat(sep=" "),)
            )
        }


def lake_rows(lake: Path, entity: str, key: str, through: str) -> set:
    import duckdb

    files = sorted(
        str(p)
        for p in (lake / "raw/appdb" / entity).glob("dt=*/*.parquet")
        if p.parent.name.removeprefix("dt=") <= through
    )
    with duckdb.connect() as con:
        return {r[0] for r in con.execute(f"select distinct {key} from read_parquet(?)", [files]).fetchall()}


def tables_equal(left: Path, right: Path) -> dict[str, int]:
    """Every published table, row for row (as multisets); returns rows per table."""
    import duckdb

    counts = {}
    with duckdb.connect() as con:
        con.execute(f"attach '{left}' as a (read_only)")
        con.execute(f"attach '{right}' as b (read_only)")
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_catalog = 'a' order by 1"
            ).fetchall()
        ]
        for name in names:
            diff = con.execute(
                f"select count(*) from ((select * from a.{name} except all select * from b.{name})"
                f" union all (select * from b.{name} except all select * from a.{name}))"
            ).fetchall()
            assert diff[0][0] == 0, f"published {name} differs from the dags test build: {diff[0][0]} rows"
            counts[name] = con.execute(f"select count(*) from a.{name}").fetchall()[0][0]
    return counts


def finished(stack: Stack, dag_id: str, count: int) -> list[dict] | None:
    runs = [r for r in stack.runs(dag_id) if r["state"] in ("success", "failed")]
    failed = [r for r in runs if r["state"] == "failed"]
    if failed:
        raise AssertionError(f"{dag_id} run failed: {failed[-1]['run_id']}; logs in {stack.home}")
    return runs if len(runs) >= count else None


def chain_done(stack: Stack, count: int) -> list[dict] | None:
    """The exports have run ``count`` times; fails at once when any run of the chain failed."""
    for dag_id in (*INGEST, *CHAIN):
        finished(stack, dag_id, 0)
    return finished(stack, "siyu_exports", count)


def durations(stack: Stack, dag_id: str) -> list[float]:
    return [
        round((r["end_date"] - r["start_date"]).total_seconds(), 1)
        for r in stack.runs(dag_id)
        if r["end_date"] and r["start_date"]
    ]


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """What the two executors' runs share, made once: a migrated metadata DB to copy, the simulated
    world and the `dags test` reference build of its days (one per day 1: both runs have the same day 1
    unless China's midnight fell between them), the screenshots. The world is seeded, so both stacks
    land the same lake and must publish the same marts."""
    state = {"tmp": tmp_path_factory.mktemp("shared"), "worlds": {}, "reference": {}}
    yield state
    if state.get("template"):
        Stack.drop_template(state["template"])


def world_for(shared: dict, day1: dt.date):
    """The simulated world whose last day is day 1's next (the scheduler's day 1, then today)."""
    from siyu_dev.simulator.world import build_world

    if day1 not in shared["worlds"]:
        end = day1 + dt.timedelta(days=1)
        shared["worlds"][day1] = build_world(people=120, days=8, seed=5, end=end)
    return shared["worlds"][day1]


@pytest.mark.timeout(1500 + int(max(DAY_NEEDED.values()).total_seconds()))  # and a midnight's wait
@pytest.mark.parametrize("executor", [WHOLE_STORY, "LocalExecutor"])  # the whole story first
def test_scheduler_runs_the_asset_chain_day_by_day(executor, tmp_path, shared):
    _require_servers()
    from siyu.run_context import china_day
    from siyu_dev.simulator.appdb import write_rows
    from siyu_dev.simulator.timeline import appdb_rows_at, run_moment
    from siyu_dev.simulator.wecom_server import serve
    from siyu_dev.simulator.world import write_world

    # Day 1 is yesterday (China time): the scheduler's own run once the ingest DAGs are unpaused. Day 2
    # is today, triggered by hand with its date (real days cannot pass in a test); the simulated world
    # ends with today.
    day1 = yesterday_lasting(DAY_NEEDED[executor])
    day2 = day1 + dt.timedelta(days=1)
    home = tmp_path / "siyu"
    sim = home / "sim"
    appdb_url = f"sqlite:///{sim / 'appdb.sqlite'}"
    world = world_for(shared, day1)
    write_world(world, sim, appdb_url)
    # the app DB as it stood when day 1's run read it (the simulator keeps only the final state)
    write_rows(appdb_rows_at(world.appdb_rows, run_moment(day1).replace(tzinfo=None)), appdb_url)
    wecom_port = free_port()
    wecom, _ = serve(sim / "wecom_state.json", port=wecom_port, as_of=run_moment(day1))
    robot = serve_robot()
    stack = Stack(
        tmp_path,
        executor,
        template=shared.get("template"),
        extra_env={
            "AIRFLOW_CONN_SIYU_WECOM": wecom_connection(wecom_port),
            "AIRFLOW_CONN_SIYU_WECOM_IDCONVERT": wecom_connection(wecom_port, idconvert_secret()),
            "AIRFLOW_CONN_SIYU_ALERTS": robot_connection(robot),
        },
    )
    report: dict = {"executor": executor, "days": [day1.isoformat(), day2.isoformat()]}
    previous_handler = signal.signal(signal.SIGTERM, _exit_on_sigterm)  # stop the stack when killed
    try:
        saved = stack.start(save_template="template" not in shared)
        shared.setdefault("template", saved)
        stack.wait(
            "the seven DAGs parsed",
            lambda: len(stack.query("select dag_id from dag where dag_id like %s", "siyu_%")) >= 7,
            300,
        )
        # the landing watch stays paused: its deadline is a clock time, which a test cannot wait for
        # (tests/dags/test_watch.py checks it)
        stack.cli("dags", "unpause", "-y", "--treat-dag-id-as-regex", "^siyu_(?!watch_)")

        # Day 1: the scheduler runs yesterday's interval of each ingest DAG; the Assets do the rest.
        stack.wait("day 1's exports", lambda: chain_done(stack, 1), 900)
        for dag_id in INGEST:
            runs = stack.runs(dag_id)
            assert [r["run_type"] for r in runs] == ["scheduled"], runs
            assert china_day(runs[0]["logical_date"]) == day1, runs
        check_day(stack, home, day1, count=1)
        report["landed"] = landed_vs_source(home, day1)

        if executor != WHOLE_STORY:
            # the published marts equal the `dags test` build's day 1 (the whole story's, if it ran)
            built = reference(shared, home, day1)
            report["published_rows"] = tables_equal(home / "published" / "siyu.duckdb", built)
            report["scheduler_seconds"] = {d: durations(stack, d) for d in (*INGEST, *CHAIN)}
        else:
            # Day 2: triggered with its date; WeCom as the corp stands at the end of day 2.
            wecom.shutdown()
            wecom.server_close()
            wecom, _ = serve(sim / "wecom_state.json", port=wecom_port)
            write_rows(world.appdb_rows, appdb_url)
            for dag_id in INGEST:
                stack.cli("dags", "trigger", dag_id, "--logical-date", day2.isoformat())
            stack.wait("day 2's exports", lambda: chain_done(stack, 2), 900)
            check_day(stack, home, day2, count=2)
            report["landed"].update(landed_vs_source(home, day2))
            # a date already run cannot be triggered again: clearing its run redoes it (README)
            again = stack.cli(
                "dags", "trigger", "siyu_ingest_appdb", "--logical-date", day2.isoformat(), check=False
            )
            assert again.returncode != 0
            if "screens" not in shared:  # the same pages under either executor: once
                screens = Path(os.environ.get("SIYU_SCREENSHOT_DIR", tmp_path / "screens"))
                report["screens"] = shared["screens"] = screenshots(stack, screens)
            report["chain"] = {
                d: [(str(r["start_date"]), str(r["end_date"])) for r in stack.runs(d)]
                for d in (*INGEST, *CHAIN)
            }
            report["scheduler_seconds"] = {d: durations(stack, d) for d in (*INGEST, *CHAIN)}

            # The published marts equal a `dags test` build of the same lake, day 1 then day 2. Built once
            # (it costs minutes): the other executor's stack lands the same lake and compares with day 1's.
            built = reference(shared, home, day1, day2)
            report["dags_test_seconds"] = shared["dags_test_seconds"]
            report["published_rows"] = tables_equal(home / "published" / "siyu.duckdb", built)

            # WeCom away: its ingest fails and alerts; the app DB lands; the warehouse waits.
            wecom.shutdown()
            wecom.server_close()
            warehouse_runs = len(stack.runs("siyu_warehouse"))
            stack.cli("dags", "trigger", "siyu_ingest_wecom")  # no date: the day before the run, day 1
            stack.cli("dags", "trigger", "siyu_ingest_appdb")

            def wecom_failed():
                runs = stack.runs("siyu_ingest_wecom")
                appdb = stack.runs("siyu_ingest_appdb")
                return runs[-1]["state"] == "failed" and appdb[-1]["state"] == "success"

            stack.wait("the failed WeCom ingest", wecom_failed, 300)
            queued = stack.wait(
                "app-DB events queued for the warehouse",
                lambda: stack.query(
                    "select max(created_at) from asset_dag_run_queue where target_dag_id = 'siyu_warehouse'"
                )[0][0],
                60,
            )
            alerts = stack.wait(
                "the failure alert",
                lambda: [
                    m for m in Robot.received if "siyu_ingest_wecom" in m["body"]["markdown"]["content"]
                ],
                60,
            )
            text = alerts[0]["body"]["markdown"]["content"]
            assert f"for {day1.isoformat()}" in text and "land_snapshot" in text, text
            assert alerts[0]["path"] == "/cgi-bin/webhook/send?key=robot-key"
            report["alert"] = text
            # two scheduler heartbeats (5 s each) after the events: it has weighed them and not run it
            stack.wait(
                "the scheduler past the queued events",
                lambda: (
                    stack.query("select max(latest_heartbeat) from job where job_type = 'SchedulerJob'")[0][0]
                    > queued + dt.timedelta(seconds=10)
                ),
                60,
            )
            assert len(stack.runs("siyu_warehouse")) == warehouse_runs, "the warehouse ran without WeCom"
            assert len(stack.runs("siyu_ingest_idconvert")) == 2
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
        stack.stop()
        for server in (wecom, robot):
            server.shutdown()
            server.server_close()
        stack.drop_database()
        out = Path(os.environ.get("SIYU_TEST_REPORT_DIR", tmp_path))
        out.mkdir(parents=True, exist_ok=True)
        (out / f"scheduler_{executor}.json").write_text(json.dumps(report, indent=1, default=str))
        print(json.dumps(report, indent=1, default=str))
    assert all(p.poll() is not None for p in stack.processes.values())


# the warehouse DAG's overview shows its dbt task group
SCREENS = {"dags": "/dags", "warehouse": "/dags/siyu_warehouse", "assets": "/assets"}


def screenshots(stack: Stack, folder: Path) -> dict[str, int]:
    """The Airflow UI of the running stack, by headless chromium (skipped where none is installed)."""
    import subprocess
    import tempfile

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        return {}
    stack.wait("the api-server", stack.api_ready, 120)
    folder.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for name, path in SCREENS.items():
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run(
                [
                    browser,
                    *HEADLESS,
                    f"--user-data-dir={profile}",
                    "--window-size=1400,900",
                    "--virtual-time-budget=15000",
                    f"--screenshot={folder / (name + '.png')}",
                    f"http://127.0.0.1:{stack.api_port}{path}",
                ],
                capture_output=True,
                timeout=120,
                check=True,
            )
        sizes[name] = (folder / f"{name}.png").stat().st_size
        assert sizes[name] > 20_000, (name, sizes[name])  # a rendered page, not a blank one
    return sizes


def _exit_on_sigterm(*_):
    raise SystemExit("SIGTERM: stopping the stack")


def check_day(stack: Stack, home: Path, day: dt.date, count: int) -> None:
    """The chain ran once more for ``day``: one ID conversion, one warehouse and one exports run,
    the publication and the exports carrying ``day``."""
    for dag_id in CHAIN:
        runs = finished(stack, dag_id, count)
        assert runs and len(runs) == count, (dag_id, runs)
        assert all(r["state"] == "success" for r in runs), (dag_id, runs)
    published = stack.asset_events(PUBLISHED)
    assert [e["extra"]["dt"] for e in published][-1] == day.isoformat()
    assert len(published) == count
    export_run = stack.runs("siyu_exports")[-1]["run_id"]
    assert stack.xcom("siyu_exports", export_run, "resolve_run_date") == day.isoformat()
    assert (home / "exports" / day.isoformat()).is_dir()


def landed_vs_source(home: Path, *days: dt.date) -> dict:
    """Every app-DB row updated before the end of each China day is in the lake through that day."""
    from siyu.run_context import day_end_utc

    out = {}
    for day in days:
        for table, entity, key in (("mp_users", "mp_users", "openid"), ("orders", "orders", "order_id")):
            source = source_rows(home / "sim" / "appdb.sqlite", table, key, day_end_utc(day))
            lake = lake_rows(home / "lake", entity, key, day.isoformat())
            assert source == lake, (day, entity, len(source - lake), len(lake - source))
            out[f"{day} {entity}"] = {"source": len(source), "lake": len(lake)}
    return out


def reference(shared: dict, home: Path, *days: dt.date) -> Path:
    """The `dags test` build's published file after the last of ``days`` (each day after the one
    before it, from day 1), built on ``home``'s lake unless an earlier test built it on the same world."""
    built = shared["reference"]
    if (days[0], days[-1]) not in built:
        folder = shared["tmp"] / f"dags_test_{len(built)}"
        copies, shared["dags_test_seconds"] = dags_test_build(home, folder, *days)
        built.update({(days[0], day): path for day, path in copies.items()})
    return built[(days[0], days[-1])]


def dags_test_build(home: Path, other: Path, *days: dt.date) -> tuple[dict[dt.date, Path], dict]:
    """`airflow dags test` of the warehouse, day by day, on a copy of ``home``'s lake: a copy of the
    published file after each day, and the seconds per day."""
    from siyu_dev.local_airflow import airflow_env, dags_test_many, ensure_metadata_db

    shutil.copytree(home / "lake", other / "lake")
    old = os.environ.get("SIYU_HOME")
    os.environ["SIYU_HOME"] = str(other)
    try:
        env = airflow_env()
        ensure_metadata_db(env)
        seconds: list[float] = []
        copies: dict[dt.date, Path] = {}

        def keep(_dag: str, day: str, took: float) -> None:
            seconds.append(took)
            copies[dt.date.fromisoformat(day)] = other / f"published_{day}.duckdb"
            shutil.copyfile(other / "published" / "siyu.duckdb", copies[dt.date.fromisoformat(day)])

        runs = [("siyu_warehouse", day.isoformat()) for day in days]
        dags_test_many(runs, env, on_run=keep)
    finally:
        if old is None:
            os.environ.pop("SIYU_HOME", None)
        else:
            os.environ["SIYU_HOME"] = old
    return copies, {"siyu_warehouse": seconds}
