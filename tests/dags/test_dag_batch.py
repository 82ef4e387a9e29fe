"""Several `airflow dags test` runs in one Airflow process (siyu_dev.dag_batch, what `siyu demo` uses):
each run's output in its own log, progress after each, a failing run stops the batch and is named."""

from __future__ import annotations

import os

import pytest

from siyu_dev.local_airflow import airflow_env, dags_test_many, ensure_metadata_db

pytestmark = pytest.mark.slow

DAGS = """
import os
from airflow.sdk import dag, task

@dag(dag_id="{dag_id}", schedule=None)
def made():
    @task
    def speak(**context):
        day = context["logical_date"].in_timezone("Asia/Shanghai").date()
        print("ran in pid", os.getpid(), "for", day, "note", os.environ.get("BATCH_NOTE", "none"))
        if "{fails}" == "yes":
            raise RuntimeError("this task fails")
    speak()

made()
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """Three DAGs of one task in a DAG folder of their own, one metadata DB for the module's runs."""
    root = tmp_path_factory.mktemp("batch")
    dags = root / "dags"
    dags.mkdir()
    for dag_id, fails in (("batch_speaks", "no"), ("batch_after", "no"), ("batch_breaks", "yes")):
        (dags / f"{dag_id}.py").write_text(DAGS.format(dag_id=dag_id, fails=fails))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SIYU_HOME", str(root / "home"))
        values = airflow_env({"AIRFLOW__CORE__DAGS_FOLDER": str(dags)})
    ensure_metadata_db(values)
    return values


def test_the_runs_share_one_process_and_keep_their_own_logs(env):
    seen = []
    logs = dags_test_many(
        [
            ("batch_speaks", "2026-11-23", {"BATCH_NOTE": "first"}),  # its own env, for it alone
            ("batch_speaks", "2026-11-24"),
            ("batch_after", "2026-11-24", {"BATCH_NOTE": "third"}),
        ],
        env,
        on_run=lambda dag_id, day, seconds: seen.append((dag_id, day)),
    )
    assert seen == [
        ("batch_speaks", "2026-11-23"),
        ("batch_speaks", "2026-11-24"),
        ("batch_after", "2026-11-24"),
    ]
    said = [log.read_text() for log in logs]
    assert "for 2026-11-23" in said[0] and "for 2026-11-24" not in said[0]
    assert "for 2026-11-24" in said[1]
    assert [text.split(" note ", 1)[1].split()[0] for text in said] == ["first", "none", "third"]
    pids = {text.split("ran in pid ", 1)[1].split()[0] for text in said}
    assert len(pids) == 1 and pids != {str(os.getpid())}  # one child process for the three runs


def test_a_failing_run_stops_the_batch_and_is_named(env):
    runs = [("batch_speaks", "2026-11-25"), ("batch_breaks", "2026-11-25"), ("batch_after", "2026-11-25")]
    with pytest.raises(
        RuntimeError, match=r"DAG batch_breaks failed for 2026-11-25; see .*batch_breaks_2026-11-25\.log"
    ):
        dags_test_many(runs, env)
    logs = env["SIYU_HOME"] + "/logs"
    assert "this task fails" in open(f"{logs}/batch_breaks_2026-11-25.log").read()
    assert not os.path.exists(f"{logs}/batch_after_2026-11-25.log")  # never started
