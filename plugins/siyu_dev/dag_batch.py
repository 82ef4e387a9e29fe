"""Several `airflow dags test` runs in one process: `python -m siyu_dev.dag_batch` reads on stdin a JSON
list of runs ({"dag_id", "date", "log", "dagfile", "env"}; env: what that run alone sees, such as its
connections) and runs each as Airflow's own CLI would, one after the other, stopping at the first
that fails.

Each `airflow dags test` process pays Airflow's import, configuration and DAG parse again: four runs
of a one-task DAG cost 93 s of CPU in four processes and 24 s in one (farm-bench, this machine). The
demo makes twelve runs. Each run's output goes to its own log file (file descriptors 1 and 2 are
pointed at it, so whatever Airflow's logging holds on to follows); after each run one JSON line
{"dag_id", "date", "seconds", "ok"} goes to the process's original stdout, for the caller's progress.
What Airflow writes between runs goes to dag_batch.log beside the runs' logs.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

from siyu.warehouse import environ


@contextlib.contextmanager
def output_to(log: Path) -> Iterator[None]:
    """fds 1 and 2 (and so sys.stdout/sys.stderr and any handler writing to them) into ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log.open("w") as fh:
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def run_one(parser, run: dict) -> bool:
    """One `airflow dags test DAG DATE [--dagfile-path F]` through the CLI's own parser and command:
    True when it exited cleanly (the command raises SystemExit("DagRun failed") when the run fails)."""
    argv = ["dags", "test", run["dag_id"], run["date"]]
    if run.get("dagfile"):
        argv += ["--dagfile-path", run["dagfile"]]
    try:
        args = parser.parse_args(argv)
        args.func(args)
    except SystemExit as stop:
        if stop.code not in (None, 0):
            print(f"dags test {run['dag_id']} {run['date']} exited: {stop.code}", file=sys.stderr)
            return False
    except Exception:  # a DAG that does not parse, a broken DB: reported in its log
        traceback.print_exc()
        return False
    return True


def main() -> int:
    runs = json.loads(sys.stdin.read())
    progress = os.fdopen(os.dup(1), "w", buffering=1)  # the caller's channel: nothing else writes to it
    with output_to(Path(runs[0]["log"]).parent / "dag_batch.log"):  # what Airflow says between runs
        from airflow.cli import cli_parser  # heavy: Airflow's configuration and ORM, once for every run

        parser = cli_parser.get_parser()
        for run in runs:
            started = time.perf_counter()
            with output_to(Path(run["log"])), environ(run.get("env") or {}):
                ok = run_one(parser, run)
            line = {"dag_id": run["dag_id"], "date": run["date"], "ok": ok}
            progress.write(json.dumps({**line, "seconds": round(time.perf_counter() - started, 1)}) + "\n")
            if not ok:
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
