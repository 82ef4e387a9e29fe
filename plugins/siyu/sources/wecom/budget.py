"""WeCom's per-API call limits as budgets kept across runs: a small ledger under SIYU_HOME/state.

WeCom counts calls per corp and per API, whichever app or run makes them, and past a limit it blocks
the API (45009) for the rest of the window (https://developer.work.weixin.qq.com/document/path/96212,
频率限制: 10,000 calls a minute and 150,000 an hour per API; the ID conversion 100,000 an hour,
document/path/97108). A client pacing itself inside one run cannot see the calls of the run before
it: a backfill of several dates, or a re-run, would spend the hour and get the corp's API blocked.

So every call is counted in a ledger file per corp (``state/wecom/api_calls_<corpid>.json``), by
real minute and hour, and shared by every run and process (an fcntl lock around each merge):

- a minute that is spent: the call waits for the next minute (at most ``max_wait`` seconds);
- an hour that is spent: the call raises ``BudgetSpent`` (errcode 45009, the same meaning WeCom
  gives it) before anything is sent. Callers stop cleanly: the ID conversion lands what it asked and
  leaves the rest for the next run; a snapshot, which is all or nothing, lands nothing and fails
  naming the API and when its hour resets. The ledger keeps the last stop (``stops``).

Budgets leave ``share`` (default 90 %) of each documented limit to Siyu: the corp's other apps count
against the same limits.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import threading
import time
from collections import Counter
from pathlib import Path

from siyu.sources.wecom.client import WeComError

DOC = "https://developer.work.weixin.qq.com/document/path/96212"
DEFAULT_LIMIT = (10_000, 150_000)  # per API per corp: a minute, an hour (96212)
LIMITS = {
    "idconvert/unionid_to_external_userid": (10_000, 100_000),  # 100,000 an hour (97108)
}
BEIJING = dt.timezone(dt.timedelta(hours=8))


class BudgetSpent(WeComError):
    """An API's budget for the hour (or a minute too long to wait) is spent: nothing was sent."""

    def __init__(self, endpoint: str, window: str, used: int, budget: int, resets_at: float):
        self.window, self.used, self.budget, self.resets_at = window, used, budget, resets_at
        at = dt.datetime.fromtimestamp(resets_at, BEIJING).strftime("%Y-%m-%d %H:%M %Z")
        super().__init__(
            endpoint,
            45009,
            f"Siyu's budget for this {window} is spent ({used} of {budget} calls, kept across runs in"
            f" the WeCom call ledger; {DOC}); it resets at {at}. Nothing more was sent.",
        )


class CallLedger:
    """Counts calls per API by real minute and hour, across runs; see the module's docstring."""

    def __init__(
        self,
        path: Path | str,
        limits: dict[str, tuple[int, int]] | None = None,
        share: float = 0.9,
        max_wait: float = 65.0,
        flush_every: int = 50,
        clock=time.time,
        sleep=time.sleep,
    ):
        self.path = Path(path)
        self.limits = {**LIMITS, **(limits or {})}
        self.share, self.max_wait, self.flush_every = share, max_wait, flush_every
        self.clock, self.sleep = clock, sleep
        self._seen: dict[str, dict[str, int]] = {}  # the file's counts when last merged
        self._pending: Counter = Counter()  # (endpoint, key) → calls not yet merged
        self._lock = threading.Lock()
        self._merge()

    def budget(self, endpoint: str) -> tuple[int, int]:
        per_minute, per_hour = self.limits.get(endpoint, DEFAULT_LIMIT)
        return int(per_minute * self.share), int(per_hour * self.share)

    def used(self, endpoint: str, now: float | None = None) -> tuple[int, int]:
        now = self.clock() if now is None else now
        minute, hour = _keys(now)
        with self._lock:
            seen = self._seen.get(endpoint, {})
            return (
                seen.get(minute, 0) + self._pending[endpoint, minute],
                seen.get(hour, 0) + self._pending[endpoint, hour],
            )

    def take(self, endpoint: str) -> None:
        """Count one call, waiting for the next minute or raising BudgetSpent if its budget is spent."""
        per_minute, per_hour = self.budget(endpoint)
        while True:
            now = self.clock()
            minute, hour = _keys(now)
            with self._lock:
                seen = self._seen.get(endpoint, {})
                used_hour = seen.get(hour, 0) + self._pending[endpoint, hour]
                used_minute = seen.get(minute, 0) + self._pending[endpoint, minute]
                if used_hour >= per_hour:
                    self._record_stop(endpoint, "hour", used_hour, per_hour, now)
                    raise BudgetSpent(endpoint, "hour", used_hour, per_hour, (now // 3600 + 1) * 3600)
                if used_minute < per_minute:
                    self._pending[endpoint, minute] += 1
                    self._pending[endpoint, hour] += 1
                    due = sum(self._pending.values()) >= 2 * self.flush_every
                    break
            wait = (now // 60 + 1) * 60 - now
            if wait > self.max_wait:
                self._record_stop(endpoint, "minute", used_minute, per_minute, now)
                raise BudgetSpent(endpoint, "minute", used_minute, per_minute, now + wait)
            self.sleep(wait + 0.01)
            self._merge()  # other runs may have spent some of the new minute
        if due:
            self._merge()

    def flush(self) -> None:
        self._merge()

    # --- the file ---------------------------------------------------------------------------
    def _record_stop(self, endpoint: str, window: str, used: int, budget: int, now: float) -> None:
        self._stop: dict[str, object] | None = {
            "endpoint": endpoint,
            "window": window,
            "used": used,
            "budget": budget,
            "at": dt.datetime.fromtimestamp(now, BEIJING).isoformat(timespec="seconds"),
        }

    def _merge(self) -> None:
        """Add this process's pending calls to the file, under an exclusive lock; drop old windows."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._lock, open(self.path.with_suffix(".lock"), "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            data = _read(self.path)
            counts: dict[str, dict[str, int]] = data.get("calls", {})
            for (endpoint, key), n in self._pending.items():
                per = counts.setdefault(endpoint, {})
                per[key] = per.get(key, 0) + n
            minute, hour = _keys(self.clock())
            keep = {minute, hour}
            counts = {e: {k: n for k, n in per.items() if k in keep} for e, per in counts.items()}
            counts = {e: per for e, per in counts.items() if per}
            data["calls"] = counts
            stop = getattr(self, "_stop", None)
            if stop:
                data["stops"] = [*data.get("stops", [])[-19:], stop]
                self._stop = None
            if self._pending or stop or not self.path.exists():
                _write(self.path, data)
            self._pending.clear()
            self._seen = counts

    def stops(self) -> list[dict]:
        return _read(self.path).get("stops", [])


def _keys(now: float) -> tuple[str, str]:
    return f"m{int(now // 60)}", f"h{int(now // 3600)}"


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except ValueError:  # a torn file from a killed process: the windows it held are lost, not the run
        return {}


def _write(path: Path, data: dict) -> None:
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(data, out, sort_keys=True)
    os.replace(tmp, path)


def ledger_path(state_dir: Path, corpid: str) -> Path:
    safe = "".join(c if c.isalnum() else "_" for c in corpid) or "corp"
    return state_dir / "wecom" / f"api_calls_{safe}.json"
