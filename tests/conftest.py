"""Shared fixtures: an isolated SIYU_HOME per test session, and Airflow pointed at the repo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Airflow reads its home and metadata DB once, when a test module first imports it (any module that
# imports siyu.dag_defaults, say): point it at a throwaway home before anything can.
AIRFLOW_TEST_HOME = Path(tempfile.mkdtemp(prefix="siyu-test-airflow-"))
AIRFLOW_VALUES = {
    "AIRFLOW_HOME": str(AIRFLOW_TEST_HOME),
    "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_TEST_HOME / 'airflow.db'}",
}
os.environ.update(AIRFLOW_VALUES)
# The keys have no default outside the demo: the suite's own (tests that strip SIYU_* set theirs). Both
# set here, so a command run in-process (CliRunner) whose demo keys fill the gaps changes nothing later.
os.environ.setdefault("SIYU_PII_KEY", "siyu-test-key")
os.environ.setdefault("SIYU_SUPPRESSION_KEY", "siyu-test-suppression-key")


def pytest_unconfigure(config):
    shutil.rmtree(AIRFLOW_TEST_HOME, ignore_errors=True)


# `make test` runs two xdist workers. A unit of work is a test module, so a module's fixtures are built
# once; the modules that read the session's demo (demo_home) are one unit, so the demo runs once. The
# units start heaviest first (measured: `pytest --durations`), so the long ones overlap.
DEMO_READERS = ("tests/bi/", "tests/e2e/", "tests/privacy/test_erasure.py")
HEAVIEST_FIRST = (
    DEMO_READERS,
    "tests/deploy/test_scheduler.py",
    "tests/spark/",
    "tests/faults/test_entity_hold_back.py",
)


def work_unit(nodeid: str) -> str:
    module = nodeid.split("::", 1)[0]
    return "demo readers" if module.startswith(DEMO_READERS) else module


def heaviness(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0]
    for rank, prefixes in enumerate(HEAVIEST_FIRST):
        if path.startswith(prefixes):
            return rank
    return len(HEAVIEST_FIRST)


def pytest_collection_modifyitems(config, items):
    strays = [
        i.nodeid for i in items if "demo_home" in i.fixturenames and work_unit(i.nodeid) != "demo readers"
    ]
    if strays:  # each worker would run a demo of its own
        raise pytest.UsageError(f"tests/conftest.py DEMO_READERS should list these demo readers: {strays}")
    if getattr(config.option, "numprocesses", None):
        items.sort(key=heaviness)  # stable: the order within a unit stays the collection's


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByModule(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return ByModule(config, log)


@pytest.fixture(scope="session")
def airflow_env_vars(tmp_path_factory):
    """Airflow at this repo's dags/ with the throwaway home (its DB migrated), for DagBag tests."""
    values = {**AIRFLOW_VALUES, "SIYU_HOME": str(tmp_path_factory.mktemp("siyu_home"))}
    old = {"SIYU_HOME": os.environ.get("SIYU_HOME")}
    os.environ.update(values)
    # The metadata DB must exist before a DAG is parsed.
    subprocess.run(
        [str(Path(sys.executable).parent / "airflow"), "db", "migrate"],
        check=True,
        capture_output=True,
        env=dict(os.environ),
    )
    yield values
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory):
    """The demo at small size, run once per session: the e2e, report page and BI reader tests read it."""
    home = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SIYU_"))}
    env["SIYU_HOME"] = str(home)
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "siyu"),
            "demo",
            "--people",
            "400",
            "--days",
            "30",
            "--seed",
            "11",
            "--faults",
            "0.1",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,  # two days built
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return home, result.stdout
