"""The run summary: rows landed per entity, customers resolved, quality results, where things are."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from siyu.config import settings
from siyu.contracts import RAW
from siyu.lake import Lake, Partition

console = Console(width=120)


def landed_rows(date: str) -> list[tuple[str, str, int | None]]:
    lake = Lake(settings().lake)
    rows = []
    for source, entity in RAW:  # every raw entity, the ID conversion's links included
        manifest = lake.manifest(Partition(source, entity, date))
        rows.append((source, entity, manifest.row_count if manifest else None))
    return rows


def mart_counts() -> dict[str, int]:
    s = settings()
    if not s.published.exists():
        return {}
    with duckdb.connect(str(s.published), read_only=True) as con:
        names = [r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()]
        return {n: con.execute(f'select count(*) from "{n}"').fetchall()[0][0] for n in sorted(names)}


def quality_results(date: str) -> list[dict]:
    folder = settings().home / "quality" / date
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))] if folder.exists() else []


def write_html_report(date: str, out: Path | None = None) -> Path:
    """The day's report page, ``exports/<date>/report.html`` unless ``out`` says otherwise."""
    from siyu.report_html import identity_truth, write_report

    s = settings()
    if not s.published.exists():
        raise FileNotFoundError(f"no published marts at {s.published}: run the warehouse DAG first")
    truth = identity_truth(s.published, s.sim_dir / "truth" / "identifiers.parquet", s.pii_key)
    target = out or s.home / "exports" / date / "report.html"
    return write_report(s.published, target, date, quality_results(date), truth)


def print_summary(date: str) -> None:
    s = settings()
    landed = Table(title=f"Rows landed in the lake for {date}")
    for col in ("source", "entity", "rows"):
        landed.add_column(col, justify="right" if col == "rows" else "left")
    for source, entity, n in landed_rows(date):
        landed.add_row(source, entity, "—" if n is None else f"{n:,}")
    console.print(landed)

    marts = Table(title="Published marts")
    marts.add_column("mart")
    marts.add_column("rows", justify="right")
    for name, n in mart_counts().items():
        marts.add_row(name, f"{n:,}")
    console.print(marts)

    gx = Table(title="Quality gates (Great Expectations)")
    for col in ("suite", "result", "expectations", "failed critical", "warnings"):
        gx.add_column(col)
    for r in quality_results(date):
        gx.add_row(
            r["suite"],
            "[green]pass[/]" if r["success"] else "[red]fail[/]",
            str(r["evaluated"]),
            str(len(r["critical_failures"])),
            str(len(r["warnings"])),
        )
    console.print(gx)
    docs = s.home / "docs" / "gx" / date / "index.html"
    if docs.exists():
        console.print(f"GX Data Docs: {docs}")

    if s.published.exists():
        from siyu.report_marts import print_marts_summary

        print_marts_summary(console, str(s.published), date)
    print_quarantine(date)
    print_stops(date)
    print_exports(date)

    customers = mart_counts().get("dim_customers")
    console.print(f"customers resolved: [bold]{customers if customers is not None else '—'}[/]")
    console.print(f"lake:      {s.lake}")
    console.print(f"warehouse: {s.warehouse}")
    console.print(f"published: {s.published} (+ Parquet in {s.published.parent / 'parquet'})")


def print_stops(date: str) -> None:
    """What the day left for later: the ID conversion stopped by a quota or budget (pairs left for the
    next run), entities the raw gate held back at their last good state."""
    from siyu.quality.gates import held_back

    manifest = Lake(settings().lake).manifest(Partition("wecom", "unionid_links", date))
    window = manifest.window if manifest else {}
    if window.get("stopped"):
        console.print(
            f"[yellow]ID conversion stopped[/]: {window['stopped']}; "
            f"{window.get('left_for_later', 0):,} pairs left for the next run",
            soft_wrap=True,
        )
    for entity, days in sorted(held_back().items()):
        for day, why in sorted(days.items()):
            console.print(
                f"[yellow]held back[/]: {entity} {day} (stays at {why['last_good_partition']}): "
                + "; ".join(why["failures"]),
                soft_wrap=True,
                markup=True,
                highlight=False,
            )


def print_exports(date: str) -> None:
    s = settings()
    manifest = s.home / "exports" / date / "_manifest.json"
    if manifest.exists():
        rows = json.loads(manifest.read_text())["rows"]
        console.print(
            f"CRM exports: {rows['customer_profiles']:,} customer profiles, {rows['staff_audiences']:,} "
            f"audience rows for {rows['staff']} staff → {manifest.parent}"
        )
    sync = s.state_dir / "tag_sync" / f"{date}.json"
    if sync.exists():
        result = json.loads(sync.read_text())
        if result.get("skipped"):
            console.print(f"WeCom tag sync: skipped ({result['skipped']})")
            return
        console.print(
            f"WeCom tag sync: plan of {result['planned']:,} changes "
            f"(+{result['adds']:,} / -{result['removes']:,} tags), "
            f"{result.get('applied', 0):,} applied, {result.get('failed', 0):,} failed"
        )


def print_quarantine(date: str) -> None:
    """Rows set aside: unreadable tracking lines, staging's row-level checks, identity's junk guard."""
    s = settings()
    rows = []  # tracking's unreadable lines are in data_quarantine (stg_tracking__events_quarantine)
    if not s.published.exists():
        return
    from siyu.report_panels import quarantine_counts

    with duckdb.connect(str(s.published), read_only=True) as con:
        rows += quarantine_counts(con)
    table = Table(title="Quarantined (set aside with a reason, never dropped)")
    for col in ("where", "reason", "rows"):
        table.add_column(col, justify="right" if col == "rows" else "left")
    for where, reason, n in rows:
        table.add_row(where, reason, f"{n:,}")
    console.print(table)
