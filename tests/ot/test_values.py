"""Value types, id indexing, copies and the plain/tagged conversions."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from convergence_jupyter.ot.text import utf16_len, utf16_splice
from convergence_jupyter.ot.values import (
    ArrayValue,
    BooleanValue,
    DateValue,
    DoubleValue,
    NullValue,
    ObjectValue,
    StringValue,
    deep_copy,
    from_plain,
    index_by_id,
    to_plain,
    value_depth,
    value_from_json,
    value_to_json,
)

TREE = ObjectValue(
    "r",
    {
        "s": StringValue("1", "hi"),
        "a": ArrayValue("2", [DoubleValue("3", 1.5), BooleanValue("4", True), NullValue("5")]),
        "d": DateValue("6", 1_700_000_000_000),
        "o": ObjectValue("7", {}),
    },
)


def test_index_and_depth() -> None:
    assert set(index_by_id(TREE)) == {"r", "1", "2", "3", "4", "5", "6", "7"}
    assert value_depth(TREE) == 3
    assert value_depth(StringValue("x", "")) == 1
    with pytest.raises(ValueError, match="duplicate"):
        index_by_id(ArrayValue("a", [NullValue("a")]))


def test_deep_copy_is_independent() -> None:
    copy = deep_copy(TREE)
    assert copy == TREE and copy is not TREE
    assert isinstance(copy, ObjectValue)
    copy.children["s"] = NullValue("z")
    assert TREE.children["s"] == StringValue("1", "hi")


def test_tagged_json_round_trip() -> None:
    assert value_from_json(value_to_json(TREE)) == TREE
    assert value_to_json(StringValue("x", "v")) == {"id": "x", "type": "string", "value": "v"}
    with pytest.raises(ValueError, match="unknown"):
        value_from_json({"id": "x", "type": "bigint", "value": 1})


def test_plain_round_trip_with_fresh_ids() -> None:
    counter = iter(range(100))
    plain = {"s": "hi", "a": [1.5, True, None], "d": {"$$convergence_type": "date", "date": 5}}
    value = from_plain(plain, lambda: f"0:{next(counter)}")
    assert to_plain(value) == plain
    assert len(index_by_id(value)) == 7


def test_plain_dates_and_rejections() -> None:
    ids = iter(range(10))
    moment = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert from_plain(moment, lambda: str(next(ids))) == DateValue("0", 1_704_067_200_000)
    assert from_plain({"$convergenceType": "date", "value": 7}, lambda: "x") == DateValue("x", 7)
    with pytest.raises(ValueError, match="non-finite"):
        from_plain(math.inf, lambda: "x")
    with pytest.raises(ValueError, match="plain"):
        from_plain(object(), lambda: "x")


@pytest.mark.parametrize(
    "text,length", [("", 0), ("abc", 3), ("\U0001f600", 2), ("a\U0001f600b", 4), ("é", 1)]
)
def test_utf16_length(text: str, length: int) -> None:
    assert utf16_len(text) == length


def test_utf16_splice_can_split_and_rejoin_a_surrogate_pair() -> None:
    half, deleted = utf16_splice("a\U0001f600", 2, 1, "")
    assert deleted == "\ude00" and utf16_len(half) == 2
    whole, _ = utf16_splice(half, 2, 0, "\ude00")
    assert whole == "a\U0001f600"
    assert utf16_splice("a\U0001f600b", 3, 1, "X") == ("a\U0001f600X", "b")
