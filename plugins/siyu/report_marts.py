"""The marts on one screen: RFM classes, the AIPL chain, lifecycle stages and flows, top tags.

The numbers come from report_panels, as the HTML report's do."""

from __future__ import annotations

import duckdb
from rich.console import Console
from rich.table import Table

from siyu import report_panels as q


def _table(title: str, columns: tuple[str, ...], rows: list[tuple]) -> Table:
    table = Table(title=title)
    for i, col in enumerate(columns):
        table.add_column(col, justify="right" if i else "left")
    for row in rows:
        table.add_row(*[f"{v:,}" if isinstance(v, int) else str(v) for v in row])
    return table


def print_marts_summary(console: Console, published: str, date: str) -> None:
    with duckdb.connect(published, read_only=True) as con:
        present = q.present_tables(con)
        grids = []
        if "customer_rfm" in present:
            grids.append(
                _table("RFM classes (365 days)", ("class", "customers", "avg spend"), q.rfm_classes(con))
            )
            grids.append(_table("RFM segments", ("segment", "customers"), q.rfm_segments(con)))
        if "aipl_daily" in present and (chain := q.aipl_chain(con, date)):
            console.print(f"AIPL chain on {date}: " + " → ".join(f"{s.split()[-1]} {n:,}" for s, n in chain))
        if "funnel_daily" in present:
            counts = " → ".join(f"{s.split(' ', 1)[1]} {n:,}" for s, n in q.funnel_steps(con))
            console.print(f"Eight steps (customers by acquisition day): {counts}", soft_wrap=True)
        if "staff_daily" in present:
            held, added, inherited, lost = q.staff_week(con, date)
            console.print(
                f"Staff on {date}: {held:,} contacts held; last 7 days {added:,} added "
                f"({inherited:,} inherited), {lost:,} lost"
            )
        if "customer_lifecycle_daily" in present:
            grids.append(_table("Lifecycle stages", ("stage", "customers"), q.lifecycle_stages(con, date)))
            flows = [(f"{a} → {b}", n) for a, b, n in q.lifecycle_flows(con, date) if a != "none"][:6]
            grids.append(_table("Lifecycle flows, last 7 days", ("flow", "customers"), flows))
        if "recommender_ranking" in present:
            grids.append(_table("Top recommenders this month", ("customer", "referred", "their spend"),
                                q.top_recommenders(con, date, 5)))  # fmt: skip
        if "customer_tags" in present:
            grids.append(_table("Top tags", ("tag (class)", "customers"), q.top_tags(con)))
    if grids:
        from rich.columns import Columns

        console.print(Columns(grids))
