"""The daily report page of the demo, opened in a real browser (Debian's chromium, headless) offline.

The page must render every panel with data from the file alone: the browser runs with the network
off and any request that is not the file itself is recorded and fails the test; so does any console
error. A screenshot is saved (SIYU_REPORT_SCREENSHOT=<path> keeps a copy, as README's was made).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.chromium import HEADLESS
from tests.support.requirements import missing

pytestmark = pytest.mark.slow
PANELS = ("kpis", "funnel", "aipl", "lifecycle", "cohort", "rfm", "staff", "community", "recommenders",
          "identity", "quality")  # fmt: skip
# Per chart: its traces, the data points they carry, and the SVG/canvas marks plotly drew for them.
PANEL_STATE = """() => [...document.querySelectorAll('section.panel')].map(s => ({
  key: s.dataset.panel,
  charts: [...s.querySelectorAll('.js-plotly-plot')].map(g => ({
    traces: (g.data || []).length,
    points: (g.data || []).reduce((n, t) => n + ((t.type === 'indicator') ? 1
      : (t.type === 'sankey') ? t.link.value.length : (t.z || t.x || t.y || []).length), 0),
    drawn: g.querySelectorAll('.trace, .bars path, .sankey-link, .hm image, .indicatorlayer .numbers').length,
  })),
}))"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    missing("chromium is not installed (apt-get install -y chromium; .ci/run installs it)")


@pytest.fixture(scope="module")
def report_page(demo_home) -> Path:
    home, _ = demo_home
    page = home / "exports" / "2026-11-24" / "report.html"
    assert page.exists(), "the exports DAG's daily_report task wrote no page"
    return page


@pytest.fixture(scope="module")
def rendered(report_page, tmp_path_factory):
    """The page after render in headless chromium, network off: panel state, errors, requests."""
    from playwright.sync_api import sync_playwright

    executable = chromium()
    shot = tmp_path_factory.mktemp("screenshot") / "report.png"
    errors, requests = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=executable, args=HEADLESS,
            headless=True, offline=True, viewport={"width": 1400, "height": 900},
        )  # fmt: skip
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: None if r.url.startswith("file://") else requests.append(r.url))
            page.goto(report_page.as_uri(), wait_until="load")
            page.wait_for_function(
                "() => window.SIYU_PANELS && document.querySelectorAll('.js-plotly-plot').length >= "
                "window.SIYU_PANELS.length", timeout=30_000,
            )  # fmt: skip
            page.wait_for_timeout(500)  # Sankey and heatmap finish drawing after newPlot resolves
            state = page.evaluate(PANEL_STATE)
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    if os.environ.get("SIYU_REPORT_SCREENSHOT"):
        shutil.copy(shot, os.environ["SIYU_REPORT_SCREENSHOT"])
    return {"panels": state, "errors": errors, "requests": requests, "screenshot": shot}


def test_every_panel_renders_with_data_offline(rendered):
    assert rendered["errors"] == []
    assert rendered["requests"] == []  # nothing fetched: plotly.js is inlined
    panels = {p["key"]: p["charts"] for p in rendered["panels"]}
    assert tuple(panels) == PANELS
    for key, charts in panels.items():
        assert charts, f"panel {key} has no chart"
        for chart in charts:
            assert chart["traces"] > 0 and chart["points"] > 0, (key, chart)
            assert chart["drawn"] > 0, f"panel {key}: plotly drew nothing ({chart})"
    assert rendered["screenshot"].stat().st_size > 50_000


def test_page_is_self_contained_and_bilingual(report_page):
    html = report_page.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=[\"']https?:", html)
    assert "Plotly" in html and len(html) > 3_000_000  # the library itself, inlined
    for title in ("今日指标 KPIs of the day", "八步漏斗 The eight steps", "周留存 Weekly cohort retention",
                  "RFM 八类 RFM: the eight classes", "数据质量 Data quality"):  # fmt: skip
        assert title in html


def test_cli_writes_the_page(demo_home, tmp_path):
    home, _ = demo_home
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SIYU_"))}
    out = tmp_path / "r.html"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "siyu"), "report", "2026-11-24", "--html", "--out", str(out)],
        env={**env, "SIYU_HOME": str(home)}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert out.stat().st_size > 3_000_000 and 'data-panel="quality"' in out.read_text(encoding="utf-8")
