"""The identity rules written once, in Jinja (dbt_project/macros/identity.sql): the anchor's type
order and the customer_id, rendered as dbt renders them and run in DuckDB."""

import hashlib
from pathlib import Path
from types import SimpleNamespace

import duckdb
import jinja2
import pytest
from dbt_common.exceptions import CompilationError

MACROS = Path(__file__).parents[3] / "dbt_project" / "macros" / "identity.sql"


def raise_compiler_error(message):
    raise CompilationError(message)


def macros(**variables):
    """The macros module as dbt renders it: var() and exceptions.raise_compiler_error()."""
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    dbt_globals = {
        "var": variables.__getitem__,
        "exceptions": SimpleNamespace(raise_compiler_error=raise_compiler_error),
    }
    return env.from_string(MACROS.read_text(), globals=dbt_globals).module


def test_type_rank_follows_the_configured_order_and_puts_unknown_types_last():
    rank = macros(identifier_type_order=["unionid", "external_userid", "mp_openid"]).identifier_type_rank("t")
    rows = duckdb.sql(f"""
        select t, {rank} as r
        from (values ('mp_openid'), ('unionid'), ('member_id'), ('external_userid')) v(t)
        order by r""").fetchall()
    assert rows == [("unionid", 1), ("external_userid", 2), ("mp_openid", 3), ("member_id", 99)]


def test_type_rank_refuses_a_type_that_is_not_a_plain_name():
    with pytest.raises(CompilationError):
        macros(identifier_type_order=["unionid' or 1=1 --"]).identifier_type_rank("t")


def test_customer_id_sql_derives_the_id_from_the_anchor_identifier():
    sql = f"select {macros().customer_id('t', 'v')} from (values ('unionid', 'u1')) x(t, v)"
    rows = duckdb.sql(sql).fetchall()
    assert rows == [("c_" + hashlib.md5(b"unionid:u1").hexdigest()[:16],)]
