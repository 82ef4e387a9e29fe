"""The helpers the identity Python models use to read their vars."""

import numpy as np

from siyu.identity.model_config import arrow_ints, config_list


def test_config_list_reads_the_repr_dbt_renders_and_plain_lists():
    assert config_list("['unionid', 'mp_openid']") == ["unionid", "mp_openid"]
    assert config_list(["13800138000"]) == ["13800138000"]
    assert config_list(None) == []


def test_arrow_ints_keeps_values_and_type():
    for dtype in (np.int32, np.int64):
        values = np.arange(5, dtype=dtype)[::2]  # a strided view is copied, not misread
        array = arrow_ints(values)
        assert array.to_pylist() == [0, 2, 4] and array.type.bit_width == 8 * np.dtype(dtype).itemsize
