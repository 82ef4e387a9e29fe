"""The daily report's numbers, read from the published marts: one function per panel, plain data out.

Both the terminal summary (report_marts) and the HTML page (report_html) draw from these, so the two
never disagree. Days are China days (Asia/Shanghai): the marts' timestamps are UTC instants.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

LIFECYCLE_ORDER = ("prospect", "new", "active", "reactivated", "at_risk", "churned")
FUNNEL_STEPS = (  # funnel_daily's columns, in the order of the eight steps
    ("acquired", "引流 Acquired"),
    ("retained_7d", "留存7天 Retained 7d"),
    ("activated", "激活 Activated"),
    ("converted", "转化 Converted"),
    ("referred", "裂变 Referred"),
    ("repurchased", "复购 Repurchased"),
    ("recommended", "推荐 Recommended"),
    ("co_creators", "共创 Co-creators"),
)
AIPL_STAGES = (("awareness", "认知 Awareness"), ("interest", "兴趣 Interest"),
               ("purchase", "购买 Purchase"), ("loyalty", "忠诚 Loyalty"))  # fmt: skip
CHINA_DAY = "(({col}) at time zone 'Asia/Shanghai')::date"


def present_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple:
    return con.execute(sql, params or []).fetchall()[0]


def kpis_on(con: duckdb.DuckDBPyConnection, day: dt.date) -> dict[str, float]:
    """Customers known by ``day``, new that day, active that day (an event or a paid order), the
    day's net GMV (paid orders of the day, refunds deducted) and the repeat-purchase rate of buyers."""
    first_seen = CHINA_DAY.format(col="first_seen_at")
    customers, new = _one(
        con,
        f"select count(*) filter (where {first_seen} <= ?), count(*) filter (where {first_seen} = ?) "
        "from dim_customers",
        [day, day],
    )
    (active,) = _one(
        con,
        "select count(distinct customer_id) from (select customer_id from fct_events where event_date = ? "
        "union all select customer_id from fct_orders where is_paid and paid_date = ?)",
        [day, day],
    )
    gmv, buyers, repeaters = _one(
        con,
        """
        with o as (select customer_id, is_paid, net_amount, paid_date from fct_orders where paid_date <= ?),
             b as (select customer_id, count(*) n from o where is_paid group by 1)
        select (select coalesce(sum(net_amount), 0) from o where paid_date = ?),
               (select count(*) from b), (select count(*) from b where n >= 2)""",
        [day, day],
    )
    return {
        "customers": customers,
        "new": new,
        "active": active,
        "net_gmv": float(gmv),
        "repeat_rate": repeaters / buyers if buyers else 0.0,
    }


def kpis(con: duckdb.DuckDBPyConnection, date: str) -> dict[str, dict[str, float]]:
    """The KPIs on ``date``, the day before and a week before."""
    day = dt.date.fromisoformat(date)
    return {
        "today": kpis_on(con, day),
        "yesterday": kpis_on(con, day - dt.timedelta(days=1)),
        "last_week": kpis_on(con, day - dt.timedelta(days=7)),
    }


def funnel_steps(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """The eight steps summed over every acquisition day (customers by where they got to)."""
    sums = _one(con, "select " + ", ".join(f"sum({c})" for c, _ in FUNNEL_STEPS) + " from funnel_daily")
    return [(label, int(v or 0)) for (_, label), v in zip(FUNNEL_STEPS, sums, strict=True)]


def aipl_chain(con: duckdb.DuckDBPyConnection, date: str) -> list[tuple[str, int]] | None:
    rows = con.execute(
        "select awareness, interest, purchase, loyalty from aipl_daily where as_of_date = ?", [date]
    ).fetchall()
    if not rows:
        return None
    return [(label, int(v)) for (_, label), v in zip(AIPL_STAGES, rows[0], strict=True)]


def lifecycle_stages(con: duckdb.DuckDBPyConnection, date: str) -> list[tuple[str, int]]:
    """Customers per stage on ``date`` (customer_lifecycle_daily), every stage listed."""
    counts = dict(
        con.execute(
            "select lifecycle_stage, count(*)::int from customer_lifecycle_daily where day = ? group by 1",
            [date],
        ).fetchall()
    )
    return [(s, counts.get(s, 0)) for s in LIFECYCLE_ORDER]


def lifecycle_flows(con: duckdb.DuckDBPyConnection, date: str, days: int = 7) -> list[tuple[str, str, int]]:
    """Stage changes of the last ``days`` days up to ``date``: (from, to, customers); 'none' → stage is
    a customer becoming known."""
    return con.execute(
        """
        select from_stage, to_stage, count(*)::int from lifecycle_transitions
        where day > cast(? as date) - ? and day <= cast(? as date)
        group by 1, 2 order by 3 desc""",
        [date, days, date],
    ).fetchall()


def cohort_retention(con: duckdb.DuckDBPyConnection) -> list[tuple[dt.date, int, int, float, float]]:
    """(cohort_week, weeks_since, cohort_customers, interaction_rate, order_rate), oldest cohort first."""
    return con.execute(
        "select cohort_week, weeks_since::int, cohort_customers::int, interaction_rate, order_rate "
        "from cohort_retention order by 1, 2"
    ).fetchall()


def rfm_classes(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, int]]:
    """(RFM class, customers, average net spend), largest first."""
    return con.execute(
        "select rfm_class_cn, count(*)::int, round(avg(monetary), 0)::int from customer_rfm "
        "group by 1 order by 2 desc"
    ).fetchall()


def rfm_segments(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    return con.execute(
        "select segment, count(*)::int from customer_rfm group by 1 order by 2 desc"
    ).fetchall()


def staff_on(con: duckdb.DuckDBPyConnection, date: str) -> list[tuple[str, int, int, int, int]]:
    """Per staff member on ``date``: (staff, contacts held, added, inherited, lost)."""
    return con.execute(
        "select staff_userid, contacts::int, new_adds::int, inherited::int, lost::int from staff_daily "
        "where day = ? order by contacts desc, staff_userid",
        [date],
    ).fetchall()


def staff_week(con: duckdb.DuckDBPyConnection, date: str) -> tuple[int, int, int, int]:
    """Contacts held on ``date``; added, inherited, lost over the 7 days up to it."""
    (held,) = _one(con, "select sum(contacts) from staff_daily where day = ?", [date])
    added, inherited, lost = _one(
        con,
        "select sum(new_adds)::int, sum(inherited)::int, sum(lost)::int from staff_daily "
        "where day > cast(? as date) - 7 and day <= cast(? as date)",
        [date, date],
    )
    return int(held or 0), added or 0, inherited or 0, lost or 0


def staff_trend(
    con: duckdb.DuckDBPyConnection, date: str, days: int = 14
) -> list[tuple[dt.date, int, int, int]]:
    """(day, added, inherited, lost) over all staff for the last ``days`` days."""
    return con.execute(
        "select day, sum(new_adds)::int, sum(inherited)::int, sum(lost)::int from staff_daily "
        "where day > cast(? as date) - ? and day <= cast(? as date) group by 1 order by 1",
        [date, days, date],
    ).fetchall()


def community_moves(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(group tier, suggested move, members)."""
    return con.execute(
        "select group_tier, suggested_move, count(*)::int from community_members group by 1, 2 order by 1, 2"
    ).fetchall()


def community_tiers(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, int]]:
    """(group tier, groups, members)."""
    return con.execute(
        "select group_tier, count(distinct chat_id)::int, count(*)::int from community_members "
        "group by 1 order by 1"
    ).fetchall()


def top_recommenders(con: duckdb.DuckDBPyConnection, date: str, top: int = 10) -> list[tuple[str, int, int]]:
    """The month's best recommenders: (customer, customers referred, their spend)."""
    return con.execute(
        "select customer_id, referred_customers::int, referred_spend::int from recommender_ranking "
        "where month = date_trunc('month', cast(? as date)) and rank <= ? order by rank, customer_id",
        [date, top],
    ).fetchall()


def top_co_creators(con: duckdb.DuckDBPyConnection, top: int = 5) -> list[tuple[str, int, int, int, int]]:
    """The best co-creators (共创): (customer, orders sold, net sales, commission, customers recruited)."""
    return con.execute(
        "select customer_id, orders_sold::int, sales_net::int, "
        "(commission_settled + commission_pending)::int, referred_customers::int "
        "from co_creators where rank <= ? order by rank, customer_id",
        [top],
    ).fetchall()


def top_tags(con: duckdb.DuckDBPyConnection, top: int = 8) -> list[tuple[str, int]]:
    return con.execute(
        "select tag_name || ' (' || tag_class || ')', count(*)::int from customer_tags "
        "group by 1 order by 2 desc, 1 limit ?",
        [top],
    ).fetchall()


def identity(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Customers, merges and splits in the change log, quarantined identifiers, merges by rule."""
    (customers,) = _one(con, "select count(*) from dim_customers")
    events = dict(con.execute("select event, count(*)::int from identity_merges group by 1").fetchall())
    (quarantined,) = _one(con, "select count(*) from identity_quarantine")
    by_rule = con.execute(
        "select matched_by, count(*)::int from customer_identifiers where not is_anchor "
        "group by 1 order by 2 desc, 1 limit 8"
    ).fetchall()
    return {
        "customers": customers,
        "merges": events.get("merge", 0),
        "splits": events.get("split", 0),
        "quarantined": quarantined,
        "matched_by": by_rule,
    }


def quarantine_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(where, reason, rows) set aside: staging's row checks (and tracking's landing) and the junk guard."""
    rows = []
    present = present_tables(con)
    if "data_quarantine" in present:
        rows += con.execute(
            "select entity, reason, count(*)::int from data_quarantine group by 1, 2 order by 1, 2"
        ).fetchall()
    if "identity_quarantine" in present:
        rows += con.execute(
            "select 'identity graph', reason, count(*)::int from identity_quarantine group by 2 order by 2"
        ).fetchall()
    return rows
