"""Hypothesis strategies for odd camera answers: any JSON value, and a valid answer with one
position replaced by any JSON value."""

from __future__ import annotations

import copy
from typing import Any

import pytest

st = pytest.importorskip("hypothesis.strategies")

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every position in a JSON value (the value itself first)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    value = copy.deepcopy(value)
    node = value
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = new
    return value


def mutations(sample: Any) -> Any:
    """``sample`` with one position replaced by any JSON value."""
    return st.tuples(st.sampled_from(paths(sample)), JSON).map(
        lambda change: replaced(sample, *change)
    )
