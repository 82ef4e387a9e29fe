"""The Superset dashboard export (bi/superset/siyu_dashboard, and `siyu superset-export` on the demo):
it parses as Superset's v1 importer reads it (yaml.safe_load of each file), every reference resolves
(chart → dataset → database, dashboard layout → charts), and every chart's columns, metrics and
filters run as SQL on the demo's published file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb
import pytest
import yaml

from siyu.superset_export import write_export

pytestmark = pytest.mark.slow
COMMITTED = Path(__file__).resolve().parents[2] / "bi" / "superset"


def load_folder(root: Path) -> dict[str, dict]:
    return {
        str(p.relative_to(root)): yaml.safe_load(p.read_text(encoding="utf-8")) for p in root.rglob("*.yaml")
    }


def load_zip(path: Path) -> dict[str, dict]:
    with zipfile.ZipFile(path) as archive:
        return {n: yaml.safe_load(archive.read(n).decode("utf-8")) for n in archive.namelist()}


def check_export(files: dict[str, dict], published: Path) -> None:
    by_kind: dict[str, list[dict]] = {}
    for name, content in files.items():
        kind = "metadata" if name.endswith("metadata.yaml") else name.split("/")[1]
        by_kind.setdefault(kind, []).append(content)
    assert by_kind["metadata"] == [by_kind["metadata"][0]] and by_kind["metadata"][0]["type"] == "Dashboard"
    (database,) = by_kind["databases"]
    assert database["sqlalchemy_uri"].startswith("duckdb:///")
    datasets = {d["uuid"]: d for d in by_kind["datasets"]}
    assert all(d["database_uuid"] == database["uuid"] for d in datasets.values())
    charts = {c["uuid"]: c for c in by_kind["charts"]}
    (dashboard,) = by_kind["dashboards"]
    placed = {
        n["meta"]["uuid"]
        for n in dashboard["position"].values()
        if isinstance(n, dict) and n.get("type") == "CHART"
    }
    assert placed == set(charts) and len(charts) >= 6
    for node in dashboard["position"].values():
        if isinstance(node, dict):
            for child in node.get("children", []):
                assert child in dashboard["position"], f"layout child {child} missing"
    with duckdb.connect(str(published), read_only=True) as con:
        for chart in charts.values():
            dataset = datasets[chart["dataset_uuid"]]  # KeyError: a chart on no dataset
            source = f"({dataset['sql']})" if dataset["sql"] else f'main."{dataset["table_name"]}"'
            names = {c["column_name"] for c in dataset["columns"]}
            params = chart["params"]
            for key in ("x_axis", "groupby", "source", "target"):
                for column in [params[key]] if isinstance(params.get(key), str) else params.get(key, []):
                    assert column in names, (chart["slice_name"], key, column)
            metrics = params.get("metrics", []) + ([params["metric"]] if "metric" in params else [])
            filters = " and ".join(f["sqlExpression"] for f in params.get("adhoc_filters", [])) or "true"
            for metric in metrics:
                rows = con.execute(
                    f"select {metric['sqlExpression']} from {source} t where {filters}"
                ).fetchall()
                assert rows[0][0] is not None, (chart["slice_name"], metric)


def test_committed_export_parses_and_runs_on_the_demo(demo_home):
    home, _ = demo_home
    check_export(load_folder(COMMITTED), home / "published" / "siyu.duckdb")


def test_generated_export_parses_and_runs_on_the_demo(demo_home, tmp_path):
    home, _ = demo_home
    published = home / "published" / "siyu.duckdb"
    files = load_zip(write_export(published, tmp_path / "siyu_dashboard.zip"))
    check_export(files, published)
    fct_orders = files["siyu_dashboard/datasets/Siyu/fct_orders.yaml"]
    assert fct_orders["description"].startswith("[order]")  # the published comments travel along
    assert {c["column_name"]: c["description"] for c in fct_orders["columns"]}["paid_date"]
