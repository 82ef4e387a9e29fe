"""The identity rules written once, in Jinja (dbt_project/macros/identity.sql): the anchor's type
order and the customer_id, rendered as dbt renders them and run in DuckDB."""

import hashlib
from pathlib import Path

import duckdb
import jinja2

MACROS = Path(__file__).parents[3] / "dbt_project" / "macros" / "identity.sql"


def macros(**variables):
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    return env.from_string(MACROS.read_text(), globals={"var": variables.__getitem__}).module


def test_type_rank_follows_the_configured_order_and_puts_unknown_types_last():
    rank = macros(identifier_type_order=["unionid", "external_userid", "mp_openid"]).identifier_type_rank("t")
    rows = duckdb.sql(f"""
        select t, {rank} as r
        from (values ('mp_openid'), ('unionid'), ('member_id'), ('external_userid')) v(t)
        order by r""").fetchall()
    assert rows == [("unionid", 1), ("external_userid", 2), ("mp_openid", 3), ("member_id", 99)]


def test_type_rank_keeps_a_quote_inside_the_literal():
    rank = macros(identifier_type_order=["unionid' or 1=1 --"]).identifier_type_rank("t")
    rows = duckdb.sql(f"select {rank} from (values ('unionid'), ('unionid'' or 1=1 --')) v(t)").fetchall()
    assert rows == [(99,), (1,)]


def test_customer_id_sql_derives_the_id_from_the_anchor_identifier():
    sql = f"select {macros().customer_id('t', 'v')} from (values ('unionid', 'u1')) x(t, v)"
    rows = duckdb.sql(sql).fetchall()
    assert rows == [("c_" + hashlib.md5(b"unionid:u1").hexdigest()[:16],)]
