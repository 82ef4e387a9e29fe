"""The helpers the identity Python models use to read their vars."""

import hashlib

import duckdb
import numpy as np
import pytest

from siyu.identity.model_config import arrow_ints, config_list, customer_id_sql, type_rank_sql


def test_config_list_reads_the_repr_dbt_renders_and_plain_lists():
    assert config_list("['unionid', 'mp_openid']") == ["unionid", "mp_openid"]
    assert config_list(["13800138000"]) == ["13800138000"]
    assert config_list(None) == []


def test_type_rank_follows_the_configured_order_and_puts_unknown_types_last():
    rank = type_rank_sql(["unionid", "external_userid", "mp_openid"], "t")
    rows = duckdb.sql(f"""
        select t, {rank} as r
        from (values ('mp_openid'), ('unionid'), ('member_id'), ('external_userid')) v(t)
        order by r""").fetchall()
    assert rows == [("unionid", 1), ("external_userid", 2), ("mp_openid", 3), ("member_id", 99)]


def test_type_rank_refuses_a_type_that_is_not_a_plain_name():
    with pytest.raises(AssertionError):
        type_rank_sql(["unionid' or 1=1 --"])


def test_customer_id_sql_derives_the_id_from_the_anchor_identifier():
    sql = f"select {customer_id_sql('t', 'v')} from (values ('unionid', 'u1')) x(t, v)"
    rows = duckdb.sql(sql).fetchall()
    assert rows == [("c_" + hashlib.md5(b"unionid:u1").hexdigest()[:16],)]


def test_arrow_ints_keeps_values_and_type():
    for dtype in (np.int32, np.int64):
        values = np.arange(5, dtype=dtype)[::2]  # a strided view is copied, not misread
        array = arrow_ints(values)
        assert array.to_pylist() == [0, 2, 4] and array.type.bit_width == 8 * np.dtype(dtype).itemsize
