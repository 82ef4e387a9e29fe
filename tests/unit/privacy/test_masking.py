"""Chinese mobile numbers in free text are masked before the lake, whatever their shape; digit runs
that are not mobile numbers (order numbers, dates, amounts, timestamps) survive."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest

from siyu.contracts import FREE_TEXT, raw_schema
from siyu.lake import Lake, Partition
from siyu.privacy import PHONE_MASK, mask_free_text, mask_phones

M = PHONE_MASK


@pytest.mark.parametrize(("text", "expected"), [
    ("13800138000", M),
    ("电话13912345678请回电", f"电话{M}请回电"),
    ("VIP 138 0013 8000 周末联系", f"VIP {M} 周末联系"),
    ("138-0013-8000", M),
    ("138.0013.8000", M),
    ("+8613800138000", M),
    ("+86 138 0013 8000", M),
    ("+86-138-0013-8000", M),
    ("0086 13800138000", M),
    ("008613800138000", M),
    ("86-13800138000", M),
    ("(+86)13800138000", M),
    ("（+86）139 1234 5678", M),
    ("手机:15012345678,备用:18698765432。", f"手机:{M},备用:{M}。"),
    ('{"note": "call 17712345678", "sku": "sku_sk01"}', f'{{"note": "call {M}", "sku": "sku_sk01"}}'),
    ("王女士19912345678", f"王女士{M}"),
    ("tel:16612345678;", f"tel:{M};"),
])  # fmt: skip
def test_every_shape_of_a_mobile_number_is_masked(text, expected):
    assert mask_phones(text) == expected


@pytest.mark.parametrize("text", [
    "订单号 o000012345 已发货",
    "订单 202611241380013800 退款",        # an 18-digit order number holding a phone-like run
    "流水号 2026112413800138000123",
    "138001380001",                        # 12 digits: not a mobile number
    "1380013800",                          # 10 digits
    "12800138000",                         # 12x is no mobile prefix
    "2026-11-24 13:45:00",
    "2026.11.24",
    "¥1,380.00 共 13800.00 元",
    "金额 1380013.80",
    "ts 1764000000000",                    # epoch ms
    "满199减30, 第3件0元",
    "门店 021-62345678",                   # a landline stays (it is the store's)
    "13.5.2024 1800",
    "",
])  # fmt: skip
def test_digit_runs_that_are_not_mobile_numbers_survive(text):
    assert mask_phones(text) == text


def test_none_stays_none():
    assert mask_phones(None) is None


def test_free_text_columns_are_declared_for_the_entities_that_carry_them():
    for (source, entity), columns in FREE_TEXT.items():
        names = raw_schema(source, entity).names
        assert set(columns) <= set(names), (source, entity)
    assert "remark" in FREE_TEXT["wecom", "follow_users"] and "props" in FREE_TEXT["tracking", "events"]
    assert "group_nickname" in FREE_TEXT["wecom", "group_members"]


def test_the_lake_masks_declared_columns_and_nothing_else(tmp_path):
    schema = raw_schema("wecom", "follow_users")
    rows = [{"external_userid": "wm13800138000x", "userid": "staff_001", "remark": "李13800138000",
             "description": "老客户 138 0013 8000, 订单 202611241380013800", "state": "13800138000",
             "tags": [], "remark_mobile_hashes": ["h1"]}]  # fmt: skip
    table = pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema)
    lake = Lake(str(tmp_path))
    lake.write(Partition("wecom", "follow_users", "2026-11-24"), table)
    landed = lake.read(Partition("wecom", "follow_users", "2026-11-24")).to_pylist()[0]
    assert landed["remark"] == f"李{M}"
    assert landed["description"] == f"老客户 {M}, 订单 202611241380013800"
    # identifiers and codes are not free text: an id that looks like a number is an id
    assert landed["external_userid"] == "wm13800138000x" and landed["state"] == "13800138000"
    raw = b"".join(p.read_bytes() for p in tmp_path.rglob("*.parquet"))
    assert b"0013 8000" not in raw


def test_event_props_are_masked_and_a_re_sent_event_still_matches(tmp_path):
    from siyu.sources.tracking.extract import payload_digest

    row = {
        "openid": "o1",
        "unionid": None,
        "event": "share",
        "page": "pages/item",
        "item_id": None,
        "scene": 1007,
        "props": json.dumps({"msg": "加我 13800138000"}, ensure_ascii=False),
        "ts": dt.datetime(2026, 11, 24, tzinfo=dt.UTC),
    }
    landed = {**row, "props": mask_phones(row["props"])}
    assert "13800138000" not in landed["props"]
    assert payload_digest(row) == payload_digest(landed)  # the re-sent raw event is the same event


def test_list_columns_of_strings_are_masked_too():
    batch = pa.record_batch({"notes": pa.array([["a 13800138000", None], None], pa.list_(pa.string()))})
    out = mask_free_text(batch, ("notes",))
    assert out.column(0).to_pylist() == [[f"a {M}", None], None]
