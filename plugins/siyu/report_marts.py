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
        print_referrals_and_predictions(console, con, present, date)
        if "co_creators" in present:
            grids.append(_table("Top co-creators (共创)",
                                ("customer", "sold", "net sales", "commission", "recruits"),
                                q.top_co_creators(con, 5)))  # fmt: skip
        if "recommender_ranking" in present:
            grids.append(_table("Top recommenders this month", ("customer", "referred", "their net spend"),
                                q.top_recommenders(con, date, 5)))  # fmt: skip
        if "customer_tags" in present:
            grids.append(_table("Top tags", ("tag (class)", "customers"), q.top_tags(con)))
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
