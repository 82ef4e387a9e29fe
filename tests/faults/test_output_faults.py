"""What Siyu writes out: Data Docs pages render data values as text (no stored XSS), checked in a real
headless browser; outputs are owner-only unless configured."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from siyu.quality.runner import run_suite
from tests.support.chromium import HEADLESS

PAYLOAD = "<img src=x onerror=\"document.title='pwned'\">"


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip("chromium not installed (apt-get install chromium)")
    return path


def dom(page: Path) -> str:
    with tempfile.TemporaryDirectory() as profile:
        args = [
            chromium(),
            *HEADLESS,
            f"--user-data-dir={profile}",
            "--virtual-time-budget=3000",
            "--dump-dom",
            page.as_uri(),
        ]
        return subprocess.run(args, capture_output=True, text=True, timeout=120, check=True).stdout


def test_data_docs_show_failing_values_as_text(tmp_path):
    suite = tmp_path / "raw.demo.contacts.json"
    suite.write_text(
        json.dumps(
            {
                "name": "raw.demo.contacts",
                "expectations": [
                    {
                        "type": "expect_column_values_to_be_in_set",
                        "kwargs": {"column": "remark", "value_set": ["ok"]},
                        "meta": {"severity": "critical"},
                    },
                ],
            }
        )
    )
    frame = pd.DataFrame({"remark": ["ok", PAYLOAD, "<script>document.title='pwned'</script>"]})
    result = run_suite(suite, frame, tmp_path / "docs")
    assert result.critical_failures[0].sample[0] == PAYLOAD  # the JSON result keeps the value as is
    page = tmp_path / "docs" / "raw.demo.contacts.html"
    rendered = dom(page)
    assert "<title>pwned</title>" not in rendered and "onerror" not in rendered.split("&lt;img")[0]
    assert "&lt;img src=x onerror=" in rendered  # shown, as text
