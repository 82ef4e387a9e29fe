from __future__ import annotations

import json

import pytest

from siyu.sources.wecom.client import WeComClient
from siyu_dev.simulator.wecom_server import DEMO_CORPID, DEMO_IDCONVERT_SECRET, DEMO_SECRET, serve


@pytest.fixture
def wecom_server(small_world):
    """A fresh simulator (its own copy of the state: mark_tag changes it) with no faults."""
    server, _ = serve(json.loads(small_world.wecom_state.read_text()), port=0)
    yield server
    server.shutdown()
    server.server_close()


def make_client(server, secret: str = DEMO_SECRET, **kwargs) -> WeComClient:
    kwargs.setdefault("backoff", 0.001)
    kwargs.setdefault("max_backoff", 0.01)
    return WeComClient(f"http://127.0.0.1:{server.server_port}", DEMO_CORPID, secret, **kwargs)


def make_idconvert_client(server, **kwargs) -> WeComClient:
    """A client of the corp's 代开发 app: the only kind the ID conversion accepts."""
    return make_client(server, DEMO_IDCONVERT_SECRET, **kwargs)
