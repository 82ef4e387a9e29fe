"""The demo at small size, run once per session: the demo tests and the report page tests read it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SIYU_"))}
    env["SIYU_HOME"] = str(home)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "siyu"), "demo", "--people", "400", "--days", "30",
         "--seed", "11", "--faults", "0.1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return home, result.stdout
