"""A small simulated world, built and written once per session, for simulator and source tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

from siyu_dev.simulator.world import World, build_world, write_world

END = dt.date(2026, 11, 24)


@dataclass
class WrittenWorld:
    world: World
    folder: Path
    appdb_url: str

    @property
    def wecom_state(self) -> Path:
        return self.folder / "wecom_state.json"


@pytest.fixture(scope="session")
def small_world(tmp_path_factory) -> WrittenWorld:
    folder = tmp_path_factory.mktemp("world")
    world = build_world(people=600, days=30, seed=5, end=END)
    url = f"sqlite:///{folder / 'appdb.sqlite'}"
    write_world(world, folder, url)
    return WrittenWorld(world, folder, url)
