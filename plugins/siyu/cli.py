"""The `siyu` command: simulate a world, serve the WeCom simulator, run the demo or one DAG."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer

from siyu.config import DEMO_DATE
from siyu_dev.simulator.advisor import ADVISOR_CODE_SHARE

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__, pretty_exceptions_enable=False)

END = DEMO_DATE
People = Annotated[int, typer.Option("--people", help="people in the simulated world")]
Days = Annotated[int, typer.Option("--days", help="days of history")]
Seed = Annotated[int, typer.Option("--seed", help="random seed: same seed, same world")]
AdvisorShare = Annotated[
    float,
    typer.Option(
        "--advisor-code-share",
        min=0.0,
        max=1.0,
        help="share of mini-program-first users who add their advisor by the code (see simulator/advisor.py)",
    ),
]
# `siyu bench identity|stability|appdb`: benchmarks (figures, not tests). The hyphenated forms
# (`siyu bench-identity`, ...) stay as hidden aliases for scripts written against them.
bench = typer.Typer(no_args_is_help=True, help="Benchmarks: wall time, peak memory, stability.")
app.add_typer(bench, name="bench")
# `siyu privacy erase|export|opt-out TYPE VALUE` files a PIPL request; the siyu_privacy DAG carries it out.
privacy = typer.Typer(no_args_is_help=True, help="PIPL requests: erase, export (access), opt-out; status.")
app.add_typer(privacy, name="privacy")
IdType = Annotated[str, typer.Argument(help="phone, unionid, mp_openid, external_userid or customer_id")]
IdValue = Annotated[str, typer.Argument(help="the identifier (a phone is pseudonymised as it is filed)")]

# SIYU_PII_KEY and SIYU_SUPPRESSION_KEY have no default (siyu.config). The commands that make or read
# the simulated world use the demo's keys; `dag`, `report` and `score-identity` too when no real source
# is configured (they then run on the simulated world the demo left). Everything else needs them.
ON_SIMULATED_WORLD = {
    "demo",
    "simulate",
    "serve-wecom",
    "bench",
    "bench-appdb",
    "bench-identity",
    "bench-stability",
}
ON_LOCAL_SETUP = {"dag", "report", "score-identity"}
REAL_SOURCES = ("AIRFLOW_CONN_SIYU_WECOM", "AIRFLOW_CONN_SIYU_APPDB", "SIYU_APPDB_URL")


@app.callback()
def _demo_keys(ctx: typer.Context) -> None:
    import os

    from siyu.config import use_demo_keys

    command = ctx.invoked_subcommand
    simulated = not any(os.environ.get(name) for name in REAL_SOURCES)
    if command in ON_SIMULATED_WORLD or (command in ON_LOCAL_SETUP and simulated):
        use_demo_keys()


@app.command()
def simulate(
    people: People = 5000,
    days: Days = 60,
    seed: Seed = 7,
    advisor_code_share: AdvisorShare = ADVISOR_CODE_SHARE,
    out: Annotated[Path | None, typer.Option(help="output dir (default SIYU_HOME/sim)")] = None,
    appdb_url: Annotated[str | None, typer.Option(help="app DB SQLAlchemy URL")] = None,
) -> None:
    """Build a seeded world with ground truth; fill the app DB; write the WeCom state."""
    from siyu.config import settings
    from siyu_dev.simulator.world import build_world, write_world

    s = settings()
    started = time.perf_counter()
    world = build_world(people=people, days=days, seed=seed, end=END, advisor_code_share=advisor_code_share)
    write_world(world, out or s.sim_dir, appdb_url or s.appdb_url)
    elapsed = time.perf_counter() - started
    typer.echo(f"world of {people} people over {days} days (seed {seed}) in {elapsed:.1f}s")


@app.command("serve-wecom")
def serve_wecom(
    port: Annotated[int, typer.Option(help="port on 127.0.0.1 (0: any free port)")] = 8765,
    state: Annotated[Path | None, typer.Option(help="wecom_state.json (default SIYU_HOME/sim)")] = None,
    faults: Annotated[float, typer.Option(help="share of requests that fail, 0 to 1")] = 0.0,
    as_of: Annotated[
        str | None, typer.Option(help="serve the corp as it was then (ISO time, UTC if no offset)")
    ] = None,
    large_corp: Annotated[
        int, typer.Option(help="serve a large corp of this many contacts made by index (no state file)")
    ] = 0,
    day: Annotated[int, typer.Option(help="with --large-corp: days of change after day 0")] = 0,
) -> None:
    """Serve the WeCom API simulator on loopback until interrupted."""
    from siyu.config import settings
    from siyu_dev.simulator.wecom_large import serve_large
    from siyu_dev.simulator.wecom_server import serve

    if large_corp:
        server, thread = serve_large(large_corp, day, port=port, faults=faults)
    else:
        path = state or settings().sim_dir / "wecom_state.json"
        moment = dt.datetime.fromisoformat(as_of) if as_of else None
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        server, thread = serve(path, port=port, faults=faults, as_of=moment)
    typer.echo(f"WeCom simulator on http://127.0.0.1:{server.server_port} (Ctrl-C to stop)")
    try:
        thread.join()
    except KeyboardInterrupt:
        server.shutdown()


@app.command()
def demo(
    people: People = 5000,
    days: Days = 60,
    seed: Seed = 7,
    advisor_code_share: AdvisorShare = ADVISOR_CODE_SHARE,
    faults: Annotated[float, typer.Option(help="share of WeCom simulator requests that fail")] = 0.0,
    history_days: Annotated[
        int, typer.Option(help="also land the WeCom snapshot this many days earlier (0: none)")
    ] = 7,
    engine: Annotated[
        str,
        typer.Option(
            help="warehouse engine: duckdb, or spark (refused, naming them, while models are not there)"
        ),
    ] = "duckdb",
) -> None:
    """Simulate, then run the real ingest and warehouse DAGs for the last day, and summarise."""
    from siyu.errors import BadInput
    from siyu_dev.demo import run_demo

    try:
        run_demo(
            people=people,
            days=days,
            seed=seed,
            end=END,
            faults=faults,
            history_days=history_days,
            advisor_code_share=advisor_code_share,
            engine=engine,
        )
    except BadInput as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None


@app.command()
def dag(
    dag_ids: Annotated[
        list[str], typer.Argument(help="e.g. siyu_ingest_wecom, siyu_warehouse; several run in order")
    ],
    date: Annotated[str, typer.Argument(help="the China day to land or build, YYYY-MM-DD")],
) -> None:
    """Run DAGs for one China day on the local setup the demo uses (re-run or backfill), in order, in
    one Airflow process."""
    from siyu_dev.demo import run_dags

    run_dags(tuple(dag_ids), date)


@app.command()
def report(
    date: Annotated[str, typer.Argument(help="logical date, YYYY-MM-DD")] = END.isoformat(),
    html: Annotated[bool, typer.Option("--html", help="write the day's HTML report page instead")] = False,
    out: Annotated[Path | None, typer.Option(help="with --html: default exports/<date>/report.html")] = None,
) -> None:
    """Print the run summary for a date (rows landed, customers, quality results, paths), or with
    --html write the day's report page, one offline HTML file."""
    from siyu.report import print_summary, write_html_report

    if html:
        started = time.perf_counter()
        page = write_html_report(date, out)
        size = page.stat().st_size / 1e6
        typer.echo(f"report for {date}: {page} ({size:.1f} MB) in {time.perf_counter() - started:.1f}s")
        return
    print_summary(date)


@app.command("superset-export")
def superset_export(
    out: Annotated[Path, typer.Option(help="the ZIP to write")] = Path("siyu_dashboard.zip"),
    published_path: Annotated[
        str | None, typer.Option(help="the published file's path as the Superset host sees it")
    ] = None,
) -> None:
    """Write a Superset dashboard export (import ZIP) of the daily report's main charts."""
    from siyu.config import settings
    from siyu.superset_export import write_export

    typer.echo(f"Superset export: {write_export(settings().published, out, published_path)}")


@bench.command("appdb")
@app.command("bench-appdb", hidden=True)
def bench_appdb(
    rows: Annotated[int, typer.Option(help="orders to generate and extract")] = 1_000_000,
    appdb_url: Annotated[str | None, typer.Option(help="a server to bench on (default: temp SQLite)")] = None,
) -> None:
    """Benchmark app DB extraction: wall time and peak memory (streaming keeps memory flat)."""
    import json

    from siyu_dev.bench_appdb import bench_appdb as run

    typer.echo(json.dumps(run(rows, appdb_url)))


@app.command("score-identity")
def score_identity() -> None:
    """Score the warehouse's customers against the simulator's ground truth; print one JSON object."""
    import json

    from siyu_dev.identity_evaluate import score_identity as run

    typer.echo(json.dumps(run(), indent=2))


@bench.command("identity")
@app.command("bench-identity", hidden=True)
def bench_identity(
    people: Annotated[int, typer.Option(help="people in the synthetic graph")] = 1_000_000,
    history_days: Annotated[int, typer.Option(help="daily WeCom snapshots in the lake (at least 2)")] = 30,
    daily_change: Annotated[
        float, typer.Option(help="share of people new (and of users, buyers changed) on the last day")
    ] = 0.01,
) -> None:
    """Benchmark the identity models (a full build, then the next day's run with a day's change:
    wall time per model, peak memory) against networkx."""
    import json

    from siyu_dev.bench_identity import bench_identity as run

    typer.echo(json.dumps(run(people, history_days, daily_change), indent=2))


# the synthetic world of `siyu bench warehouse` and `siyu bench erasure` (siyu_dev.bench_world)
WorldPeople = Annotated[int, typer.Option(help="people in the synthetic world")]
LakeDays = Annotated[int, typer.Option(help="daily runs landed (WeCom snapshots), at least 2")]
EventDays = Annotated[int, typer.Option(help="days of tracking events and acquisitions")]


@bench.command("warehouse")
def bench_warehouse(
    people: WorldPeople = 1_000_000, lake_days: LakeDays = 30, event_days: EventDays = 75, seed: Seed = 1
) -> None:
    """Benchmark the whole warehouse: a full build, the next day's run, a rebuild of that day from
    scratch (the baseline, compared row for row); the last line is one JSON object."""
    import json

    from siyu_dev.bench_warehouse import bench_warehouse as run

    typer.echo(json.dumps(run(people, lake_days, event_days, seed)))


@bench.command("landing")
def bench_landing(
    contacts: Annotated[int, typer.Option(help="external contacts of the simulated corp")] = 1_000_000,
    seed: Seed = 1,
) -> None:
    """Benchmark the WeCom landing at a corp's size: the first pull, the ID conversion's first run and
    a daily pull against a large simulated corp (wall time, calls per API, peak memory), and how long
    a real corp takes under WeCom's quotas; the last line is one JSON object."""
    import json

    from siyu_dev.bench_landing import bench_landing as run

    result = run(contacts, seed)
    idc = result["real_id_conversion"]
    typer.echo(
        f"{contacts} contacts: first pull {result['first_pull_s']} s, daily pull {result['daily_pull_s']} s,"
        f" ID conversion's first run {result['id_conversion_s']} s (this machine), peak RSS"
        f" {result['peak_rss_mib']} MiB"
    )
    typer.echo(
        f"a real corp, at the client's pace and within WeCom's quotas: first pull"
        f" {result['real_first_pull_h']} h, daily pull {result['real_daily_pull_min']} min; the ID"
        f" conversion asks {idc['asked_per_daily_run']} pairs a daily run ({idc['run_hours']} h),"
        f" {idc['days_to_ask_all']} days to ask all {result['id_conversion']['pairs']}"
    )
    typer.echo(json.dumps(result))


@bench.command("tracking")
def bench_tracking(
    events: Annotated[int, typer.Option(help="events in the day landed")] = 1_000_000,
    history_days: Annotated[int, typer.Option(help="days of as many events landed before it")] = 2,
) -> None:
    """Benchmark the tracking landing: one day of events after earlier days (wall time, peak memory:
    run it at two sizes and compare)."""
    import json

    from siyu_dev.bench_tracking import bench_tracking as run

    typer.echo(json.dumps(run(events, history_days)))


@bench.command("erasure")
def bench_erasure(
    people: WorldPeople = 100_000, lake_days: LakeDays = 30, event_days: EventDays = 75, seed: Seed = 1
) -> None:
    """Time one erasure on a warehouse of the synthetic world (two days built and published); the last
    line is one JSON object with the erasure log entry (counts only)."""
    import json

    from siyu_dev.bench_erasure import bench_erasure as run

    typer.echo(json.dumps(run(people, lake_days, event_days, seed)))


@bench.command("stability")
@app.command("bench-stability", hidden=True)
def bench_stability(
    people: People = 5000,
    days: Days = 60,
    seed: Seed = 7,
    end: Annotated[str, typer.Option(help="last day landed (D), YYYY-MM-DD")] = END.isoformat(),
    span: Annotated[int, typer.Option(help="days landed and built one after another (2: D-1 and D)")] = 7,
    advisor_code_share: AdvisorShare = ADVISOR_CODE_SHARE,
) -> None:
    """Land a simulated world day by day and measure how many customers keep their customer_id."""
    import json

    from siyu_dev.bench_stability import bench_stability as run

    result = run(
        people=people,
        days=days,
        seed=seed,
        end=dt.date.fromisoformat(end),
        span=span,
        advisor_code_share=advisor_code_share,
    )
    typer.echo(json.dumps(result, indent=2))


def _file_request(kind: str, id_type: str, value: str) -> None:
    from siyu.pipl.requests import RequestError, file_request

    try:
        request = file_request(kind, id_type, value)
    except RequestError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(request["id"])


@privacy.command("erase")
def privacy_erase(id_type: IdType, value: IdValue) -> None:
    """File an erasure request (PIPL Art. 47); prints its id."""
    _file_request("erase", id_type, value)


@privacy.command("export")
def privacy_export(id_type: IdType, value: IdValue) -> None:
    """File an access request (PIPL Art. 45: a JSON + CSV bundle of the person's data); prints its id."""
    _file_request("export", id_type, value)


@privacy.command("opt-out")
def privacy_opt_out(id_type: IdType, value: IdValue) -> None:
    """File a marketing opt-out (recorded in privacy_opt_outs; the data stays); prints its id."""
    _file_request("opt-out", id_type, value)


@privacy.command("status")
def privacy_status(request_id: Annotated[str, typer.Argument(help="the id a request printed")]) -> None:
    """A request's kind, status and outcome, as JSON (no identifier of an erased person)."""
    import json

    from siyu.pipl.requests import RequestError, get

    try:
        request = get(request_id)
    except RequestError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps({k: v for k, v in request.items() if k != "value"}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    app()
