"""What a test needs from the machine (a server, a program, a package index): absent, the test skips with
the reason on a laptop and fails in CI, where `.ci/run` sets SIYU_REQUIRE_SERVERS=1 and installs it."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(reason: str) -> NoReturn:
    if os.environ.get("SIYU_REQUIRE_SERVERS") == "1":
        pytest.fail(f"{reason} (SIYU_REQUIRE_SERVERS=1)")
    pytest.skip(reason)
