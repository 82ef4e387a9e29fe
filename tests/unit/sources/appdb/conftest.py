"""App DB engines: SQLite always; MariaDB and PostgreSQL on 127.0.0.1 when reachable.

Each server test gets its own database/schema, so parallel runs never share tables. Where a server is
unreachable the test skips with the reason, unless SIYU_REQUIRE_SERVERS=1 (CI), where it fails.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from tests.support.requirements import missing

SERVERS = {
    "mariadb": os.environ.get("SIYU_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
    "postgresql": os.environ.get(
        "SIYU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    ),
}


def _unreachable(kind: str, error: Exception):
    missing(f"{kind} not reachable at {SERVERS[kind].split('@')[-1]}: {type(error).__name__}")


@pytest.fixture(params=["sqlite", "mariadb", "postgresql"])
def appdb_engine(request, tmp_path):
    kind = request.param
    if kind == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'appdb.sqlite'}")
        yield engine
        engine.dispose()
        return
    name = f"siyu_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(SERVERS[kind], isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"create {'database' if kind == 'mariadb' else 'schema'} {name}"))
    except Exception as error:  # any connection failure means "no server here"
        _unreachable(kind, error)
    if kind == "mariadb":
        engine = create_engine(SERVERS[kind].rsplit("/", 1)[0] + f"/{name}")
    else:
        engine = create_engine(SERVERS[kind], connect_args={"options": f"-csearch_path={name}"})
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(
            text(
                f"drop {'database' if kind == 'mariadb' else 'schema'} {name}"
                + ("" if kind == "mariadb" else " cascade")
            )
        )
    admin.dispose()
