"""A Superset dashboard export (the v1 import ZIP of YAML files) of the daily report's main charts.

Superset → Dashboards → Import (or ``superset import-dashboards -p siyu_dashboard.zip``) creates the
database connection, the datasets, the charts and the dashboard in one go. Datasets carry the
published file's table and column comments as their descriptions. The database URI points at the
published file where Superset can read it (``--published-path``: a path on the Superset host).
Format: superset/commands/dashboard/export.py and importers/v1 (metadata.yaml, databases/,
datasets/<db>/, charts/, dashboards/), https://superset.apache.org/docs/using-superset/exploring-data
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import yaml

ROOT = "siyu_dashboard"
VERSION = "1.0.0"
NAMESPACE = uuid.UUID("5b1f0c2e-8d7a-4a59-9a61-51e0a1e0c0de")  # stable uuids: re-import updates in place
DATABASE = "Siyu published marts"
# Virtual datasets where a chart needs a shape the marts do not have (the eight steps as rows).
FUNNEL_SQL = """select step, customers, position from (
  select 1 as position, '引流 Acquired' as step, sum(acquired) as customers from funnel_daily
  union all select 2, '留存7天 Retained 7d', sum(retained_7d) from funnel_daily
  union all select 3, '激活 Activated', sum(activated) from funnel_daily
  union all select 4, '转化 Converted', sum(converted) from funnel_daily
  union all select 5, '裂变 Referred', sum(referred) from funnel_daily
  union all select 6, '复购 Repurchased', sum(repurchased) from funnel_daily
  union all select 7, '推荐 Recommended', sum(recommended) from funnel_daily
  union all select 8, '共创 Co-creators', sum(co_creators) from funnel_daily)"""


def _id(kind: str, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{name}"))


def _metric(sql: str, label: str) -> dict:
    return {"expressionType": "SQL", "sqlExpression": sql, "label": label}


@dataclass(frozen=True)
class Chart:
    title: str
    dataset: str  # a published table, or a key of VIRTUAL
    viz_type: str
    params: dict
    width: int = 6


VIRTUAL = {"eight_steps": FUNNEL_SQL}
CHARTS = (
    Chart(
        "净GMV Net GMV by day",
        "fct_orders",
        "echarts_timeseries_bar",
        {
            "x_axis": "paid_date",
            "time_grain_sqla": "P1D",
            "metrics": [_metric("SUM(net_amount)", "净GMV Net GMV")],
            "adhoc_filters": [{"expressionType": "SQL", "sqlExpression": "is_paid", "clause": "WHERE"}],
        },
    ),
    Chart(
        "八步漏斗 The eight steps",
        "eight_steps",
        "funnel",
        {"groupby": ["step"], "metric": _metric("SUM(customers)", "客户 Customers"), "sort_by_metric": False},
    ),
    Chart(
        "生命周期流转 Lifecycle flows",
        "lifecycle_transitions",
        "sankey_v2",
        {"source": "from_stage", "target": "to_stage", "metric": _metric("COUNT(*)", "客户 Customers")},
    ),
    Chart(
        "周留存 Weekly cohort retention",
        "cohort_retention",
        "heatmap_v2",
        {
            "x_axis": "weeks_since",
            "groupby": "cohort_week",
            "metric": _metric("AVG(interaction_rate)", "互动率 Interaction rate"),
            "normalize_across": "heatmap",
        },
        12,
    ),
    Chart(
        "RFM 八类 RFM classes",
        "customer_rfm",
        "echarts_timeseries_bar",
        {
            "x_axis": "rfm_class_cn",
            "metrics": [
                _metric("COUNT(*)", "客户 Customers"),
                _metric("AVG(monetary)", "平均消费 Avg spend"),
            ],
        },
    ),
    Chart(
        "员工好友数 Contacts per staff member",
        "staff_daily",
        "echarts_timeseries_bar",
        {
            "x_axis": "staff_userid",
            "metrics": [_metric("MAX(contacts)", "好友数 Contacts")],
            "adhoc_filters": [
                {
                    "expressionType": "SQL",
                    "clause": "WHERE",
                    "sqlExpression": "day = (select max(day) from staff_daily)",
                }
            ],
        },
    ),
)


def _columns(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    """The dataset's columns as Superset lists them, described from the published comments."""
    con.execute(f"create or replace temp view _probe as {sql}")
    rows = con.execute("describe _probe").fetchall()
    return [
        {
            "column_name": name,
            "type": kind,
            "is_dttm": kind in ("DATE", "TIMESTAMP WITH TIME ZONE"),
            "groupby": True,
            "filterable": True,
            "is_active": True,
        }
        for name, kind, *_ in rows
    ]


def _dataset(con: duckdb.DuckDBPyConnection, name: str) -> dict:
    sql = VIRTUAL.get(name)
    comments = {}
    description = "Virtual dataset over funnel_daily: the eight steps as rows."
    if sql is None:
        (description,) = con.execute(
            "select comment from duckdb_tables() where table_name = ?", [name]
        ).fetchall()[0]
        comments = dict(
            con.execute(
                "select column_name, comment from duckdb_columns() where table_name = ?", [name]
            ).fetchall()
        )
    columns = _columns(con, sql or f'select * from "{name}"')
    for column in columns:
        column["description"] = comments.get(column["column_name"])
    return {
        "table_name": name,
        "schema": "main",
        "sql": sql,
        "description": description,
        "main_dttm_col": next((c["column_name"] for c in columns if c["is_dttm"]), None),
        "metrics": [
            {
                "metric_name": "count",
                "verbose_name": "COUNT(*)",
                "metric_type": "count",
                "expression": "COUNT(*)",
            }
        ],
        "columns": columns,
        "filter_select_enabled": True,
        "cache_timeout": None,
        "params": None,
        "template_params": None,
        "extra": None,
        "offset": 0,
        "uuid": _id("dataset", name),
        "database_uuid": _id("database", DATABASE),
        "version": VERSION,
    }


def _position(charts: list[tuple[Chart, dict]]) -> dict:
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": "私域日报 Siyu daily"}},
    }
    row, used = None, 12
    for i, (chart, body) in enumerate(charts):
        if used + chart.width > 12:
            row = f"ROW-{i}"
            position[row] = {
                "type": "ROW",
                "id": row,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID"],
                "meta": {"background": "BACKGROUND_TRANSPARENT"},
            }
            position["GRID_ID"]["children"].append(row)
            used = 0
        node = f"CHART-{i}"
        position[node] = {
            "type": "CHART",
            "id": node,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID", row],
            "meta": {
                "chartId": i + 1,
                "uuid": body["uuid"],
                "sliceName": chart.title,
                "width": chart.width,
                "height": 50,
            },
        }
        position[row]["children"].append(node)  # type: ignore[index]  # a row opens before the first chart
        used += chart.width
    return position


def build_export(published: Path, published_path: str | None = None) -> dict[str, dict]:
    """The export's files: path inside the ZIP → YAML content."""
    uri = f"duckdb:///{published_path or published}"
    files: dict[str, dict] = {
        f"{ROOT}/metadata.yaml": {
            "version": VERSION,
            "type": "Dashboard",
            "timestamp": dt.datetime.now(dt.UTC).isoformat(),
        },
        f"{ROOT}/databases/Siyu.yaml": {
            "database_name": DATABASE,
            "sqlalchemy_uri": uri,
            "cache_timeout": None,
            "expose_in_sqllab": True,
            "allow_run_async": False,
            "allow_ctas": False,
            "allow_cvas": False,
            "allow_dml": False,
            "allow_file_upload": False,
            # read_only: Superset never takes the write lock the publish's rename relies on not being held
            "extra": {"engine_params": {"connect_args": {"read_only": True}}},
            "uuid": _id("database", DATABASE),
            "version": VERSION,
        },
    }
    with duckdb.connect(str(published), read_only=True) as con:
        for name in sorted({c.dataset for c in CHARTS}):
            files[f"{ROOT}/datasets/Siyu/{name}.yaml"] = _dataset(con, name)
    charts = []
    for i, chart in enumerate(CHARTS):
        body = {
            "slice_name": chart.title,
            "viz_type": chart.viz_type,
            "description": None,
            "cache_timeout": None,
            "params": {
                "viz_type": chart.viz_type,
                "datasource": f"{i + 1}__table",
                "row_limit": 10000,
                **chart.params,
            },
            "query_context": None,
            "uuid": _id("chart", chart.title),
            "dataset_uuid": _id("dataset", chart.dataset),
            "version": VERSION,
        }
        files[f"{ROOT}/charts/chart_{i + 1}.yaml"] = body
        charts.append((chart, body))
    files[f"{ROOT}/dashboards/siyu_daily.yaml"] = {
        "dashboard_title": "私域日报 Siyu daily",
        "description": None,
        "css": "",
        "slug": "siyu-daily",
        "uuid": _id("dashboard", "siyu_daily"),
        "position": _position(charts),
        "metadata": {
            "color_scheme": "supersetColors",
            "refresh_frequency": 0,
            "native_filter_configuration": [],
            "expanded_slices": {},
            "timed_refresh_immune_slices": [],
        },
        "version": VERSION,
    }
    return files


def write_export(published: Path, out: Path, published_path: str | None = None) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in build_export(published, published_path).items():
            archive.writestr(name, yaml.safe_dump(content, allow_unicode=True, sort_keys=False))
    out.write_bytes(buffer.getvalue())
    return out
