"""The daily report as one self-contained HTML page: every panel a plotly chart, nothing fetched.

Plotly because it draws everything the report needs natively (funnel, Sankey, heatmap, indicators
with deltas) and ships its JavaScript inside the Python wheel: the page inlines plotly.js once, so it
opens offline, from a file, e-mail attachment or WeCom chat, with no CDN. (Vega-Lite has no Sankey
and altair needs a separate converter to inline its runtime.)

Labels are Chinese with the English beside them: operators read Chinese, analysts and code English.
Every panel is a ``<section class="panel" data-panel=KEY>`` holding one or more plotly charts; the
browser test checks each one rendered with data.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from siyu import report_panels as q

STAGE_LABELS = {
    "none": "新识别 Became known",
    "prospect": "潜客 Prospect",
    "new": "新客 New",
    "active": "活跃 Active",
    "reactivated": "回流 Reactivated",
    "at_risk": "流失预警 At risk",
    "churned": "流失 Churned",
    "merged": "已合并 Merged",
}
RFM_GRID = (("重要", "Important"), ("一般", "General"))
RFM_KINDS = (("价值", "value"), ("发展", "develop"), ("保持", "retain"), ("挽留", "win back"))
TIER_LABELS = {"small": "小群 Small", "quality": "优质群 Quality", "volume": "大群 Volume"}
MOVE_LABELS = {"move up": "升级 Move up", "stay": "保持 Stay", "move down": "降级 Move down"}
STAFF_CAPACITY = 5000  # WeCom's limit of external contacts per staff member
FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif'
PLOT_CONFIG = {"displaylogo": False, "responsive": True}


@dataclass
class Panel:
    key: str
    title: str  # "中文 English"
    figures: list[go.Figure] = field(default_factory=list)
    note: str = ""


def _layout(fig: go.Figure, height: int = 320, **kwargs) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        font={"family": FONT, "size": 12},
        paper_bgcolor="white",
        plot_bgcolor="white",
        **kwargs,
    )
    return fig


def _change(now: float, before: float) -> str:
    if not before:
        return "—"
    return f"{(now - before) / before:+.1%}"


def kpi_panel(con: duckdb.DuckDBPyConnection, date: str) -> Panel:
    k = q.kpis(con, date)
    names = (
        ("customers", "客户数 Customers", ",.0f"),
        ("new", "新增 New", ",.0f"),
        ("active", "活跃 Active", ",.0f"),
        ("net_gmv", "净GMV Net GMV ¥", ",.0f"),
        ("repeat_rate", "复购率 Repeat rate", ".1%"),
    )
    fig = go.Figure()
    for i, (key, label, fmt) in enumerate(names):
        now, day, week = k["today"][key], k["yesterday"][key], k["last_week"][key]
        fig.add_trace(
            go.Indicator(
                mode="number+delta",
                value=now,
                number={"valueformat": fmt},
                delta={"reference": day, "relative": True, "valueformat": ".1%"},
                title={
                    "text": f"{label}<br><span style='font-size:11px'>较上周 vs last week "
                    f"{_change(now, week)}</span>"
                },
                domain={"row": 0, "column": i},
            )
        )
    _layout(fig, 250, grid={"rows": 1, "columns": len(names), "pattern": "independent"})
    fig.update_layout(margin={"t": 90})  # room for the two-line titles above the numbers
    return Panel(
        "kpis", "今日指标 KPIs of the day", [fig], "增减为较前一天 (delta: against the previous day)."
    )


def funnel_panel(con: duckdb.DuckDBPyConnection) -> Panel:
    steps = q.funnel_steps(con)
    fig = go.Figure(
        go.Funnel(y=[s for s, _ in steps], x=[n for _, n in steps], textinfo="value+percent initial")
    )
    return Panel(
        "funnel",
        "八步漏斗 The eight steps",
        [_layout(fig, 380)],
        "按获客日汇总的客户 (customers, summed over acquisition days).",
    )


def aipl_panel(con: duckdb.DuckDBPyConnection, date: str) -> Panel:
    chain = q.aipl_chain(con, date) or []
    fig = go.Figure(
        go.Bar(
            x=[s for s, _ in chain],
            y=[n for _, n in chain],
            text=[f"{n:,}" for _, n in chain],
            marker_color=["#9ecae1", "#6baed6", "#3182bd", "#08519c"],
        )
    )
    return Panel(
        "aipl", "AIPL 链路 The AIPL chain", [_layout(fig)], f"{date} 各阶段客户 (customers per stage)."
    )


def lifecycle_panel(con: duckdb.DuckDBPyConnection, date: str) -> Panel:
    stages = q.lifecycle_stages(con, date)
    bars = go.Figure(
        go.Bar(
            x=[STAGE_LABELS[s] for s, _ in stages],
            y=[n for _, n in stages],
            text=[f"{n:,}" for _, n in stages],
        )
    )
    flows = q.lifecycle_flows(con, date)
    # Sources on the left, targets on the right: a stage can be both, and a Sankey has no cycles.
    left = sorted({f for f, _, _ in flows}, key=list(STAGE_LABELS).index)
    right = sorted({t for _, t, _ in flows}, key=list(STAGE_LABELS).index)
    labels = [STAGE_LABELS[s] for s in left] + [STAGE_LABELS[s] for s in right]
    sankey = go.Figure(
        go.Sankey(
            node={"label": labels, "pad": 12},
            link={
                "source": [left.index(f) for f, _, _ in flows],
                "target": [len(left) + right.index(t) for _, t, _ in flows],
                "value": [n for _, _, n in flows],
            },
        )
    )
    return Panel(
        "lifecycle",
        "生命周期 Lifecycle stages and the last 7 days' flows",
        [
            _layout(bars, title="今日各阶段 Stages today"),
            _layout(sankey, 380, title="近7天流转 Flows, last 7 days"),
        ],
    )


def cohort_panel(con: duckdb.DuckDBPyConnection) -> Panel:
    rows = q.cohort_retention(con)
    weeks = sorted({r[0] for r in rows})
    since = sorted({r[1] for r in rows})
    z: list[list[float | None]] = [[None] * len(since) for _ in weeks]
    sizes = {}
    for week, n, size, interaction, _ in rows:
        z[weeks.index(week)][since.index(n)] = interaction
        sizes[week] = size
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=since,
            y=[f"{w} ({sizes[w]:,})" for w in weeks],
            colorscale="Blues",
            zmin=0,
            zmax=1,
            hovertemplate="%{y}<br>第%{x}周 week %{x}: %{z:.0%}<extra></extra>",
        )
    )
    _layout(
        fig,
        max(320, 14 * len(weeks) + 80),
        xaxis_title="获客后周数 Weeks since acquisition",
        yaxis={"autorange": "reversed", "type": "category"},
    )
    return Panel(
        "cohort",
        "周留存 Weekly cohort retention",
        [fig],
        "有互动客户占比 (share of the cohort with an event that week; cohort size in brackets).",
    )


def rfm_panel(con: duckdb.DuckDBPyConnection) -> Panel:
    classes = {name: (n, spend) for name, n, spend in q.rfm_classes(con)}
    z, text = [], []
    for prefix, _ in RFM_GRID:
        cells = [classes.get(f"{prefix}{kind}客户", (0, 0)) for kind, _ in RFM_KINDS]
        z.append([n for n, _ in cells])
        text.append([f"{n:,} 人<br>均 ¥{spend:,}" for n, spend in cells])
    fig = go.Figure(
        go.Heatmap(
            z=z,
            text=text,
            texttemplate="%{text}",
            colorscale="Oranges",
            showscale=False,
            x=[f"{cn}客户 {en}" for cn, en in RFM_KINDS],
            y=[f"{cn} {en}" for cn, en in RFM_GRID],
            hovertemplate="%{y} %{x}: %{text}<extra></extra>",
        )
    )
    return Panel(
        "rfm",
        "RFM 八类 RFM: the eight classes",
        [_layout(fig, 260)],
        "人数与平均净消费 (customers and average net spend, 365 days).",
    )


def staff_panel(con: duckdb.DuckDBPyConnection, date: str) -> Panel:
    staff = q.staff_on(con, date)
    held = go.Figure(go.Bar(x=[s for s, *_ in staff], y=[c for _, c, *_ in staff], name="好友数 Contacts"))
    held.add_hline(y=STAFF_CAPACITY, line_dash="dash", line_color="red", annotation_text="上限 5,000 limit")
    trend = q.staff_trend(con, date)
    moves = go.Figure()
    for i, name in enumerate(("新增 Added", "继承 Inherited", "流失 Lost"), start=1):
        moves.add_trace(go.Bar(x=[r[0] for r in trend], y=[r[i] for r in trend], name=name))
    week = q.staff_week(con, date)
    return Panel(
        "staff",
        "员工 Staff",
        [
            _layout(
                held,
                title="好友数 vs 上限 Contacts held vs the limit",
                yaxis_range=[0, STAFF_CAPACITY * 1.05],
            ),
            _layout(moves, title="近14天 Last 14 days", barmode="group"),
        ],
        f"今日共 {week[0]:,} 好友 held; 近7天 last 7 days: +{week[1]:,} added ({week[2]:,} inherited), "
        f"-{week[3]:,} lost.",
    )


def community_panel(con: duckdb.DuckDBPyConnection) -> Panel:
    moves = q.community_moves(con)
    fig = go.Figure()
    for move, label in MOVE_LABELS.items():
        rows = [r for r in moves if r[1] == move]
        fig.add_trace(
            go.Bar(x=[TIER_LABELS.get(t, t) for t, _, _ in rows], y=[n for _, _, n in rows], name=label)
        )
    tiers = ", ".join(
        f"{TIER_LABELS.get(t, t)}: {g} 群 groups / {m:,} 人 members" for t, g, m in q.community_tiers(con)
    )
    return Panel("community", "社群 Community tiers and member moves", [_layout(fig, barmode="stack")], tiers)


def recommender_panel(con: duckdb.DuckDBPyConnection, date: str) -> Panel:
    top = q.top_recommenders(con, date)[::-1]
    fig = go.Figure(
        go.Bar(
            y=[c for c, _, _ in top],
            x=[n for _, n, _ in top],
            orientation="h",
            text=[f"{n} 人 · ¥{s:,}" for _, n, s in top],
            customdata=[s for *_, s in top],
            hovertemplate="%{y}: %{x} 人 referred, ¥%{customdata:,} spend<extra></extra>",
        )
    )
    return Panel(
        "recommenders",
        "推荐达人 Top recommenders this month",
        [_layout(fig, xaxis_title="推荐客户 Customers referred")],
    )


def identity_panel(con: duckdb.DuckDBPyConnection, truth: dict | None) -> Panel:
    ident = q.identity(con)
    tiles = [
        ("客户 Customers", ident["customers"], ",.0f"),
        ("合并 Merges", ident["merges"], ",.0f"),
        ("拆分 Splits", ident["splits"], ",.0f"),
        ("隔离 Quarantined", ident["quarantined"], ",.0f"),
    ]
    if truth:
        tiles += [("精确率 Precision", truth["precision"], ".1%"), ("召回率 Recall", truth["recall"], ".1%")]
    numbers = go.Figure()
    for i, (label, value, fmt) in enumerate(tiles):
        numbers.add_trace(
            go.Indicator(
                mode="number",
                value=value,
                number={"valueformat": fmt},
                title={"text": label},
                domain={"row": 0, "column": i},
            )
        )
    _layout(numbers, 190, grid={"rows": 1, "columns": len(tiles), "pattern": "independent"})
    numbers.update_layout(margin={"t": 60})
    rules = ident["matched_by"][::-1]
    by_rule = go.Figure(go.Bar(y=[r for r, _ in rules], x=[n for _, n in rules], orientation="h"))
    note = (
        "精确率/召回率对照模拟器真值 (precision / recall against the simulator's ground truth)."
        if truth
        else ("无真值, 不计精确率/召回率 (no ground truth here: no precision / recall).")
    )
    return Panel(
        "identity",
        "身份识别 Identity",
        [numbers, _layout(by_rule, title="归并依据 Identifiers by matching rules")],
        note,
    )


def quality_panel(con: duckdb.DuckDBPyConnection, results: list[dict]) -> Panel:
    suites = [r["suite"] for r in results]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=suites, y=[r["evaluated"] for r in results], name="检查项 Expectations"))
    fig.add_trace(
        go.Bar(x=suites, y=[len(r["critical_failures"]) for r in results], name="严重失败 Critical failures")
    )
    fig.add_trace(go.Bar(x=suites, y=[len(r["warnings"]) for r in results], name="警告 Warnings"))
    quarantine = q.quarantine_counts(con)
    held = go.Figure(
        go.Bar(
            y=[f"{w}: {r}" for w, r, _ in quarantine],
            x=[n for *_, n in quarantine],
            orientation="h",
            text=[f"{n:,}" for *_, n in quarantine],
        )
    )
    failed = sum(not r["success"] for r in results)
    return Panel(
        "quality",
        "数据质量 Data quality",
        [
            _layout(
                fig,
                340,
                title="质量门 Quality suites (Great Expectations)",
                barmode="group",
                xaxis_tickangle=-45,
            ),
            _layout(held, max(200, 28 * len(quarantine) + 80), title="隔离行 Quarantined rows, by reason"),
        ],
        f"{len(results)} 套检查 suites, {failed} 未通过 failed.",
    )


def build_panels(published: Path, date: str, quality: list[dict], truth: dict | None) -> list[Panel]:
    with duckdb.connect(str(published), read_only=True) as con:
        builders: list[Callable[[], Panel]] = [
            lambda: kpi_panel(con, date),
            lambda: funnel_panel(con),
            lambda: aipl_panel(con, date),
            lambda: lifecycle_panel(con, date),
            lambda: cohort_panel(con),
            lambda: rfm_panel(con),
            lambda: staff_panel(con, date),
            lambda: community_panel(con),
            lambda: recommender_panel(con, date),
            lambda: identity_panel(con, truth),
            lambda: quality_panel(con, quality),
        ]
        return [build() for build in builders]


CSS = f"""
body {{ font-family: {FONT}; margin: 0; background: #f4f5f7; color: #1f2933; }}
header {{ background: #0b3d91; color: white; padding: 16px 24px; }}
header h1 {{ margin: 0; font-size: 22px; }} header p {{ margin: 4px 0 0; opacity: .85; }}
main {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px;
       padding: 16px; }}
.panel {{ background: white; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }}
.panel.wide {{ grid-column: 1 / -1; }} .panel h2 {{ font-size: 16px; margin: 0 0 6px; }}
.note {{ color: #52606d; font-size: 12px; margin: 4px 0 0; }}
"""
WIDE = {"kpis", "lifecycle", "staff", "identity", "quality", "cohort"}


def render(panels: list[Panel], date: str, generated_at: dt.datetime) -> str:
    sections = []
    for panel in panels:
        charts = "".join(
            pio.to_html(
                fig, full_html=False, include_plotlyjs=False, config=PLOT_CONFIG, div_id=f"{panel.key}-{i}"
            )
            for i, fig in enumerate(panel.figures)
        )
        note = f'<p class="note">{html.escape(panel.note)}</p>' if panel.note else ""
        wide = " wide" if panel.key in WIDE else ""
        sections.append(
            f'<section class="panel{wide}" data-panel="{panel.key}"><h2>{html.escape(panel.title)}'
            f"</h2>{charts}{note}</section>"
        )
    stamp = generated_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>私域日报 Siyu daily report {date}</title>
<style>{CSS}</style>
<script>{get_plotlyjs()}</script>
</head><body>
<header><h1>私域日报 Siyu daily report · {date}</h1>
<p>日期为中国日 (days are China days, Asia/Shanghai) · 生成于 generated {stamp}</p></header>
<main>{"".join(sections)}</main>
<script>window.SIYU_PANELS = {json.dumps([p.key for p in panels])};</script>
</body></html>
"""


def identity_truth(published: Path, truth_path: Path, key: bytes) -> dict | None:
    """Pairwise precision / recall of the published customers against a ground truth, when one exists
    (the simulator's); None otherwise."""
    if not truth_path.exists():
        return None
    from siyu.identity.scoring import score, truth_table

    with duckdb.connect(str(published), read_only=True) as con:
        clusters = con.sql(
            "select identifier_type as id_type, identifier as id_value, customer_id as cluster "
            "from customer_identifiers"
        ).to_arrow_table()
    return score(clusters, truth_table(truth_path, key))


def write_report(published: Path, out: Path, date: str, quality: list[dict], truth: dict | None) -> Path:
    """Write ``out`` (the page for ``date``) beside its place and rename it over: no reader sees half."""
    page = render(build_panels(published, date, quality, truth), date, dt.datetime.now(dt.UTC))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)
    return out
