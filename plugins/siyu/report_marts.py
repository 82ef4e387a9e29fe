"""The marts on one screen: RFM classes, the AIPL chain, lifecycle stages and flows, top tags."""

from __future__ import annotations

import duckdb
from rich.console import Console
from rich.table import Table

LIFECYCLE_ORDER = ("prospect", "new", "active", "reactivated", "at_risk", "churned")


def _table(title: str, columns: tuple[str, ...], rows: list[tuple]) -> Table:
    table = Table(title=title)
    for i, col in enumerate(columns):
        table.add_column(col, justify="right" if i else "left")
    for row in rows:
        table.add_row(*[f"{v:,}" if isinstance(v, int) else str(v) for v in row])
    return table


def print_marts_summary(console: Console, published: str, date: str) -> None:
    with duckdb.connect(published, read_only=True) as con:
        present = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        grids = []

        def grid(title: str, columns: tuple[str, ...], sql: str, params: list | None = None) -> None:
            grids.append(_table(title, columns, con.execute(sql, params or []).fetchall()))

        if "customer_rfm" in present:
            grid(
                "RFM classes (365 days)",
                ("class", "customers", "avg spend"),
                "select rfm_class_cn, count(*)::int, round(avg(monetary), 0)::int from customer_rfm "
                "group by 1 order by 2 desc",
            )
            grid(
                "RFM segments",
                ("segment", "customers"),
                "select segment, count(*)::int from customer_rfm group by 1 order by 2 desc",
            )
        if "aipl_daily" in present:
            chain = con.execute(
                "select awareness, interest, purchase, loyalty from aipl_daily where as_of_date = ?", [date]
            ).fetchall()
            if chain:
                a, i, p, loyal = (int(v) for v in chain[0])
                console.print(
                    f"AIPL chain on {date}: Awareness {a:,} → Interest {i:,} → Purchase {p:,} "
                    f"→ Loyalty {loyal:,}"
                )
        if "funnel_daily" in present:
            steps = con.execute(
                "select sum(acquired), sum(retained_7d), sum(activated), sum(converted), sum(referred), "
                "sum(repurchased), sum(recommended), sum(co_creators) from funnel_daily"
            ).fetchall()[0]
            names = ("acquired", "retained 7d", "activated", "converted", "referred", "repurchased",
                     "recommended", "co-creators")  # fmt: skip
            counts = " → ".join(f"{n} {int(v or 0):,}" for n, v in zip(names, steps, strict=True))
            console.print(f"Eight steps (customers by acquisition day): {counts}", soft_wrap=True)
        if "staff_daily" in present:
            (held,) = con.execute("select sum(contacts) from staff_daily where day = ?", [date]).fetchall()[0]
            week = con.execute(
                "select sum(new_adds)::int, sum(inherited)::int, sum(lost)::int from staff_daily "
                "where day > cast(? as date) - 7 and day <= cast(? as date)",
                [date, date],
            ).fetchall()[0]
            console.print(
                f"Staff on {date}: {int(held or 0):,} contacts held; last 7 days {week[0] or 0:,} added "
                f"({week[1] or 0:,} inherited), {week[2] or 0:,} lost"
            )
        if "customer_lifecycle" in present:
            stages = dict(
                con.execute(
                    "select lifecycle_stage, count(*)::int from customer_lifecycle group by 1"
                ).fetchall()
            )
            flows = con.execute(
                """
                select from_stage || ' → ' || to_stage, count(*)::int from lifecycle_transitions
                where day > cast(? as date) - 7 and day <= cast(? as date) and from_stage <> 'none'
                group by 1 order by 2 desc limit 6""",
                [date, date],
            ).fetchall()
            grids.append(
                _table(
                    "Lifecycle stages",
                    ("stage", "customers"),
                    [(s, stages.get(s, 0)) for s in LIFECYCLE_ORDER],
                )
            )
            grids.append(_table("Lifecycle flows, last 7 days", ("flow", "customers"), flows))
        if "recommender_ranking" in present:
            grid(
                "Top recommenders this month",
                ("customer", "referred", "their spend"),
                "select customer_id, referred_customers::int, referred_spend::int "
                "from recommender_ranking where month = date_trunc('month', cast(? as date)) "
                "and rank <= 5 order by rank",
                [date],
            )
        if "customer_tags" in present:
            grid(
                "Top tags",
                ("tag (class)", "customers"),
                "select tag_name || ' (' || tag_class || ')', count(*)::int from customer_tags "
                "group by 1 order by 2 desc limit 8",
            )
    if grids:
        from rich.columns import Columns

        console.print(Columns(grids))
