"""The `siyu` command exposes what README and the Makefile promise."""

from __future__ import annotations

import json
import os

from typer.testing import CliRunner

from siyu.cli import app
from siyu_dev.bench_identity import INCREMENTAL_TABLES


def test_bench_group_lists_the_benchmarks():
    result = CliRunner().invoke(app, ["bench", "--help"])
    assert result.exit_code == 0
    names = ("identity", "stability", "appdb", "warehouse", "landing", "tracking")
    assert all(name in result.output for name in names)


def test_bench_identity_runs_and_reports_every_model(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the bench works in a temp dir of its own; nothing lands here
    before = {k: v for k, v in os.environ.items() if k.startswith("SIYU_")}
    result = CliRunner().invoke(app, ["bench", "identity", "--people", "2000", "--history-days", "3"])
    assert {k: v for k, v in os.environ.items() if k.startswith("SIYU_")} == before  # settings restored
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{") :])
    assert report["people"] == 2000 and report["history_days"] == 3
    assert report["networkx_connected_components"]["components"] > 0
    # a full build of the day before, then the last day's run; each measured in a process of its own
    full, daily = report["full_build"], report["daily_run"]
    assert (full["run_date"], daily["run_date"]) == ("2026-11-23", "2026-11-24")
    for run in (full, daily):
        assert run["peak_rss_mib"] > 0
        assert {"int_identity__graph", "customer_identifiers", "int_wecom__remark_phones"} <= set(
            run["per_model_seconds"]
        )
    assert report["networkx_connected_components"]["peak_rss_mib"] > 0
    # the last day brought new people and changes; the daily run folded them in incrementally and
    # reached exactly the tables a build of that day from scratch gives
    assert report["rows_landed"]["people new on last day"] == 20
    assert report["rows_landed"]["appdb.orders new on 2026-11-24"] > 0
    assert report["rows_differing_from_the_full_build"] == dict.fromkeys(INCREMENTAL_TABLES, 0)
    assert not list(tmp_path.iterdir())


def test_bench_stability_passes_the_world_and_the_days_it_lands(monkeypatch):
    import datetime as dt

    import siyu_dev.bench_stability as stability

    seen = {}
    monkeypatch.setattr(stability, "bench_stability", lambda **kwargs: seen.update(kwargs) or {"ok": 1})
    args = ["--people", "300", "--days", "10", "--seed", "3", "--end", "2026-06-30", "--span", "2"]
    result = CliRunner().invoke(app, ["bench", "stability", *args, "--advisor-code-share", "0.2"])
    assert result.exit_code == 0, result.output
    assert seen == {
        "people": 300,
        "days": 10,
        "seed": 3,
        "end": dt.date(2026, 6, 30),
        "span": 2,
        "advisor_code_share": 0.2,
    }
    assert json.loads(result.output) == {"ok": 1}


def test_simulate_draws_advisor_codes_for_the_share_asked(tmp_path):
    """--advisor-code-share reaches the world: none at 0, some at the default, more at 1."""
    import sqlalchemy

    counts = {}
    for share in ("0", "0.5", "1"):
        db = tmp_path / f"appdb_{share}.sqlite"
        args = ["simulate", "--people", "300", "--days", "20", "--advisor-code-share", share]
        result = CliRunner().invoke(
            app, [*args, "--out", str(tmp_path / share), "--appdb-url", f"sqlite:///{db}"]
        )
        assert result.exit_code == 0, result.output
        with sqlalchemy.create_engine(f"sqlite:///{db}").connect() as connection:
            counts[share] = connection.execute(sqlalchemy.text("select count(*) from advisor_codes")).scalar()
    assert counts["0"] == 0 < counts["0.5"] < counts["1"]
    refused = CliRunner().invoke(app, ["simulate", "--advisor-code-share", "1.5"])
    assert refused.exit_code != 0


def test_demo_on_spark_refuses_to_start_naming_the_models_not_there(tmp_path, monkeypatch):
    monkeypatch.setenv("SIYU_HOME", str(tmp_path))
    monkeypatch.delenv("SIYU_ENGINE", raising=False)
    # every model is on Spark now (siyu_dev.spark_coverage.ON_SPARK): a narrower coverage, as when a
    # model is added before its Spark version, makes the demo refuse
    monkeypatch.setattr("siyu_dev.spark_coverage.ON_SPARK", ("path:models/staging", "+int_identity__graph"))
    result = CliRunner().invoke(app, ["demo", "--people", "50", "--days", "5", "--engine", "spark"])
    assert result.exit_code == 2, result.output
    assert "not on Spark yet" in result.output
    named = result.output[result.output.index("): ") + 3 :].split(", ")
    # the marts are outside that coverage; staging and the identity graph are in it, so are not named
    assert "dim_customers" in [n.strip() for n in named]
    assert not {"stg_wecom__external_contacts", "int_identity__graph"} & {n.strip() for n in named}
    assert not (tmp_path / "sim").exists()  # refused before simulating anything
    assert os.environ.get("SIYU_ENGINE") is None
