"""Hand-written cases for the sixteen object pairs."""

from __future__ import annotations

from typing import Any

import pytest

from convergence_jupyter.ot.errors import InvalidOperationError
from convergence_jupyter.ot.operations import (
    ObjectAddProperty,
    ObjectRemoveProperty,
    ObjectSet,
    ObjectSetProperty,
)
from convergence_jupyter.ot.transform import transform
from convergence_jupyter.ot.values import DoubleValue, StringValue


def val(vid: str) -> StringValue:
    return StringValue(vid, vid)


def add(key: str, vid: str = "1", *, noop: bool = False) -> ObjectAddProperty:
    return ObjectAddProperty(id="o", key=key, value=val(vid), no_op=noop)


def put(key: str, vid: str = "1", *, noop: bool = False) -> ObjectSetProperty:
    return ObjectSetProperty(id="o", key=key, value=val(vid), no_op=noop)


def rm(key: str, *, noop: bool = False) -> ObjectRemoveProperty:
    return ObjectRemoveProperty(id="o", key=key, no_op=noop)


def whole(*keys: str, noop: bool = False) -> ObjectSet:
    return ObjectSet(id="o", values={k: DoubleValue(f"w{k}", 1.0) for k in keys}, no_op=noop)


KEYS = ["a", "b", "", "long key", "0"]

OTHER_KEY_CASES = [
    (add("a"), add("b", "2")),
    (add("a"), put("b")),
    (add("a"), rm("b")),
    (put("a"), add("b")),
    (put("a"), put("b", "2")),
    (put("a"), rm("b")),
    (rm("a"), add("b")),
    (rm("a"), put("b")),
    (rm("a"), rm("b")),
]


@pytest.mark.parametrize("s,c", OTHER_KEY_CASES)
def test_property_ops_on_other_keys_pass_through(s: Any, c: Any) -> None:
    assert transform(s, c) == (s, c)


@pytest.mark.parametrize("key", [*KEYS, "ü"])
def test_add_add_same_key_server_value_wins_as_a_set(key: str) -> None:
    assert transform(add(key, "s"), add(key, "c")) == (put(key, "s"), add(key, "c", noop=True))


def test_add_add_same_value_still_sets_because_the_client_compares_references() -> None:
    assert transform(add("a", "x"), add("a", "x")) == (put("a", "x"), add("a", "x", noop=True))


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize(
    "make",
    [
        lambda k: (add(k, "s"), put(k, "c")),
        lambda k: (add(k, "s"), rm(k)),
        lambda k: (put(k, "s"), add(k, "c")),
        lambda k: (rm(k), add(k, "c")),
    ],
    ids=["add-set", "add-remove", "set-add", "remove-add"],
)
def test_add_against_set_or_remove_of_one_key_is_an_impossible_state(make: Any, key: str) -> None:
    s, c = make(key)
    with pytest.raises(InvalidOperationError):
        transform(s, c)


@pytest.mark.parametrize("key", KEYS)
def test_set_set_same_key_server_wins(key: str) -> None:
    assert transform(put(key, "s"), put(key, "c")) == (put(key, "s"), put(key, "c", noop=True))


@pytest.mark.parametrize("key", KEYS)
def test_set_beats_remove_on_either_side(key: str) -> None:
    assert transform(put(key, "s"), rm(key)) == (add(key, "s"), rm(key, noop=True))
    assert transform(rm(key), put(key, "c")) == (rm(key, noop=True), add(key, "c"))


@pytest.mark.parametrize("key", KEYS)
def test_remove_remove_same_key_cancels(key: str) -> None:
    assert transform(rm(key), rm(key)) == (rm(key, noop=True), rm(key, noop=True))


PROPERTY_OPS = [make(k) for make in (add, put, rm) for k in KEYS]


@pytest.mark.parametrize("prop", PROPERTY_OPS)
def test_whole_object_set_beats_any_property_op(prop: Any) -> None:
    w = whole("a", "b")
    assert transform(prop, w) == (prop.noop(), w)
    assert transform(w, prop) == (w, prop.noop())


@pytest.mark.parametrize(
    "s,c,cancel",
    [
        (whole("a"), whole("b"), False),
        (whole("a"), whole("a"), True),
        (whole(), whole(), True),
        (whole("a", "b"), whole("b", "a"), True),
        (whole("a"), whole(), False),
    ],
)
def test_whole_whole(s: ObjectSet, c: ObjectSet, cancel: bool) -> None:
    s_prime, c_prime = transform(s, c)
    assert c_prime == c.noop()
    assert s_prime == (s.noop() if cancel else s)
