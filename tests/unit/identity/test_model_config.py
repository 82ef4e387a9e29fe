"""The helpers the identity Python models use to read their vars."""

import duckdb
import pytest

from siyu.identity.model_config import config_list, type_rank_sql


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
