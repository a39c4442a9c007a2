"""ipscan.arrays.distinct gives what np.unique gives, without importing numpy.ma."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ipscan.arrays import distinct
from tests.conftest import fresh_python


@given(st.lists(st.integers(min_value=0, max_value=2**64 - 1), max_size=60))
def test_distinct_is_np_unique(values: list[int]) -> None:
    a = np.array(values, dtype=np.uint64)
    got = distinct(a)
    assert got.dtype == a.dtype
    assert np.array_equal(got, np.unique(a))


def test_distinct_does_not_import_numpy_ma() -> None:
    code = (
        "import sys, numpy as np\n"
        "from ipscan.arrays import distinct\n"
        "distinct(np.array([3, 1, 3], dtype=np.int64))\n"
        "print('numpy.ma' in sys.modules)\n"
    )
    assert fresh_python(code) == "False"
