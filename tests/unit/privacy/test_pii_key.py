"""SIYU_PII_KEY and SIYU_SUPPRESSION_KEY have no default: outside the demo a missing key is a clear
error naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from siyu.config import (
    DEMO_PII_KEY,
    MissingPiiKey,
    MissingSuppressionKey,
    settings,
    suppression_key_from_env,
)

SIYU = str(Path(sys.executable).parent / "siyu")


@pytest.mark.parametrize(
    ("variable", "read", "error"),
    [
        ("SIYU_PII_KEY", lambda: settings().pii_key, MissingPiiKey),
        ("SIYU_SUPPRESSION_KEY", suppression_key_from_env, MissingSuppressionKey),
    ],
)
@pytest.mark.parametrize("value", [None, "", "   "])
def test_a_missing_or_empty_key_is_an_error_naming_the_variable(monkeypatch, value, variable, read, error):
    if value is None:
        monkeypatch.delenv(variable, raising=False)
    else:
        monkeypatch.setenv(variable, value)
    s = settings()  # the rest of the settings read fine: only what uses the key needs it
    assert s.home
    with pytest.raises(error, match=f"{variable} is not set"):
        read()


def test_the_key_given_is_the_key_used(monkeypatch):
    monkeypatch.setenv("SIYU_PII_KEY", "k-123")
    assert settings().pii_key == b"k-123"


def _env(tmp_path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SIYU_"))}
    return {**env, "SIYU_HOME": str(tmp_path), **extra}


def test_landing_without_a_key_fails_saying_so(tmp_path):
    """A real run (no demo): landing the app DB without SIYU_PII_KEY stops before reading a row."""
    code = "from siyu.tasks import land_appdb; land_appdb('mp_users', '2026-11-24', 'sqlite:///nowhere.db')"
    result = subprocess.run([sys.executable, "-c", code], env=_env(tmp_path), cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode != 0
    assert "MissingPiiKey: SIYU_PII_KEY is not set" in result.stderr
    assert not (tmp_path / "lake").exists() or not list((tmp_path / "lake").rglob("*.parquet"))


def test_the_demo_commands_bring_their_own_key_and_real_sources_do_not(tmp_path):
    """`siyu score-identity` on the simulated world uses the demo key; with a real app DB configured
    the same command needs SIYU_PII_KEY."""
    simulated = subprocess.run([SIYU, "score-identity"], env=_env(tmp_path), cwd=tmp_path,
                               capture_output=True, text=True, timeout=120)  # fmt: skip
    assert "SIYU_PII_KEY is not set" not in simulated.stderr  # it fails later: no world simulated here
    real = subprocess.run([SIYU, "score-identity"], capture_output=True, text=True, timeout=120,
                          env=_env(tmp_path, SIYU_APPDB_URL="sqlite:///x.db"))  # fmt: skip
    assert real.returncode != 0 and "SIYU_PII_KEY is not set" in real.stderr
    assert DEMO_PII_KEY not in simulated.stdout + simulated.stderr  # never printed
