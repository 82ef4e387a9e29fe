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
        print_referrals_and_predictions(console, con, present, date)
        if "co_creators" in present:
            grid(
                "Top co-creators (共创)",
                ("customer", "sold", "net sales", "commission", "recruits"),
                "select customer_id, orders_sold::int, sales_net::int, "
                "(commission_settled + commission_pending)::int, referred_customers::int "
                "from co_creators where rank <= 5 order by rank",
            )
        if "recommender_ranking" in present:
            grid(
                "Top recommenders this month",
                ("customer", "referred", "their net spend"),
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


def print_referrals_and_predictions(console: Console, con, present: set[str], date: str) -> None:
    """One line each: the referral trees, this month's fission, the predictions' holdout validation,
    and the events still waiting for their identity."""
    if "referral_trees" in present:
        trees, largest, deepest, spend = con.execute(
            "select count(*) filter (where depth = 0), max(tree_size) filter (where depth = 0), "
            "max(depth), max(descendants_net_spend) filter (where depth = 0) from referral_trees"
        ).fetchall()[0]
        console.print(
            f"Referral trees: {int(trees or 0):,} roots; largest tree {int(largest or 0):,} customers "
            f"({int(spend or 0):,} net spend down the chain); deepest chain {int(deepest or 0)} steps"
        )
    if "referral_fission_monthly" in present:
        month = con.execute(
            "select inviters, invitees, fission_coefficient, k_factor from referral_fission_monthly "
            "where campaign = 'all' and month = date_trunc('month', cast(? as date))",
            [date],
        ).fetchall()
        if month:
            inviters, invitees, coefficient, k = month[0]
            console.print(
                f"Fission this month: {inviters:,} inviters brought {invitees:,} customers "
                f"(coefficient {coefficient:.2f}, K-factor {k if k is None else round(k, 4)})"
            )
    if "prediction_validation" in present:
        check = con.execute(
            "select holdout_days, customers, predicted_purchases, actual_purchases, total_relative_error, "
            "mae_per_customer from prediction_validation where as_of_date = ?",
            [date],
        ).fetchall()
        if check:
            days, customers, predicted, actual, error, mae = check[0]
            console.print(
                f"Predictions, holdout of the last {days} days on {customers:,} buyers: predicted "
                f"{predicted or 0:,.0f} purchases, actual {actual or 0:,} "
                f"(total error {(error or 0):+.1%}), mean absolute error {mae or 0:.3f} per customer"
            )
    if "events_awaiting_identity" in present:
        (waiting,) = con.execute("select count(*) from events_awaiting_identity").fetchall()[0]
        console.print(f"Events waiting for their identity to land: {waiting:,}")
