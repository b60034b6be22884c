"""Undo properties with three concurrent clients over the pure OT core (``undo_sim.py``).

Exact property: undoing one's own last k steps leaves the document that would exist without
them, everyone else's edits kept; redoing them brings them back. Under OT that only holds where
"without them" is well defined, so there each user edits only what is theirs, though all of it
is shared with the others: their own segment of one string (segments are separated by "|",
which nobody edits), their own section of one array (separated by marker elements), their own
keys of one object, their own subtree (any op, nested values, removals and edits inside), and
a shared counter that everyone adds to (deltas commute). Everyone's ops still meet each other
in the transforms: every index in the string and the array moves with the others' edits.

Unrestricted: any op anywhere, undo and redo at any time by anyone: everyone converges, no op
is ever refused, and an undo followed at once by a redo gives back the document as it was.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convergence_jupyter import ot
from convergence_jupyter.client.undo_history import is_noop
from convergence_jupyter.ot import operations as o
from convergence_jupyter.ot.values import NullValue, iter_values
from tests.ot.generators import DrawChooser, Ids, op_on, possible_ops, value
from tests.realtime.long_runs import require_long

from .undo_sim import SimClient, SimServer

EXAMPLES = int(os.environ.get("UNDO_EXAMPLES", "150"))
LONG_EXAMPLES = int(os.environ.get("UNDO_LONG_EXAMPLES", "3000"))
NAMES = ["c0", "c1", "c2"]
SEP = "§"
SETTINGS: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
}


@pytest.fixture(autouse=True)
def _no_dropped_steps(caplog: pytest.LogCaptureFixture) -> Any:
    """The history logs a warning when it has to drop a step it cannot keep valid: never."""
    with caplog.at_level(logging.WARNING, logger="convergence_jupyter.client.undo_history"):
        yield
    assert [r.getMessage() for r in caplog.records] == []


def initial_root() -> ot.ObjectValue:
    ids = Ids("init")
    own = {
        name: {"s": "hello", "n": 1.0, "b": True, "list": [1.0, "x", [2.0]], "o": {"p": "q"}}
        for name in NAMES
    }
    cells: list[Any] = []
    for index, _ in enumerate(NAMES):
        if index:
            cells.append(SEP)
        cells.extend([f"cell{index}a", {"t": "in"}])
    data = {
        "text": "ab|cd|ef",
        "cells": cells,
        "keys": {"c0a": 0.0, "c1a": 1.0, "c2a": 2.0},
        "count": 0.0,
        "own": own,
    }
    root = ot.from_plain(data, ids)
    assert isinstance(root, ot.ObjectValue)
    return root


# -- what each user owns ----------------------------------------------------------------------


def _node(client: SimClient, *path: str) -> Any:
    node: Any = client.tree.root
    for key in path:
        node = node.children[key]
    return node


def text_segment(client: SimClient, user: int) -> tuple[int, int]:
    """UTF-16 bounds of the user's segment (the text is ASCII)."""
    text = _node(client, "text").value
    bars = [i for i, ch in enumerate(text) if ch == "|"]
    start = 0 if user == 0 else bars[user - 1] + 1
    end = bars[user] if user < len(bars) else len(text)
    return start, end


def cell_section(client: SimClient, user: int) -> tuple[int, int]:
    """The user's cells are ``[start, end)`` of the array."""
    cells = _node(client, "cells").children
    seps = [i for i, c in enumerate(cells) if getattr(c, "value", None) == SEP]
    start = 0 if user == 0 else seps[user - 1] + 1
    end = seps[user] if user < len(seps) else len(cells)
    return start, end


def owned(client: SimClient, user: int) -> dict[str, Any]:
    """Everything of the user's, as plain data."""
    doc = client.plain()
    start, end = cell_section(client, user)
    return {
        "text": doc["text"].split("|")[user],
        "cells": doc["cells"][start:end],
        "keys": {k: v for k, v in doc["keys"].items() if k.startswith(NAMES[user])},
        "own": doc["own"][NAMES[user]],
    }


def owned_op(ch: DrawChooser, client: SimClient, user: int) -> o.DiscreteOperation:
    """One op on something of the user's, valid on the client's tree now."""
    name = NAMES[user]
    kind = ch.pick(["text", "text", "cells", "cells", "inside", "keys", "count", "own", "own"])
    if kind == "text":
        start, end = text_segment(client, user)
        index = ch.integer(start, end)
        return o.StringSplice(
            id=_node(client, "text").id,
            index=index,
            delete_count=ch.integer(0, end - index),
            insert_value="".join(ch.pick("xyz") for _ in range(ch.integer(0, 3))),
        )
    if kind in ("cells", "inside"):
        cells = _node(client, "cells")
        start, end = cell_section(client, user)
        mine = cells.children[start:end]
        if kind == "inside" and mine:
            nodes = [n for c in mine for n in iter_values(c) if not isinstance(n, NullValue)]
            nodes = [n for n in nodes if possible_ops(n)]
            if nodes:
                target = ch.pick(nodes)
                return op_on(ch, ch.pick(possible_ops(target)), target, client.ids)
        choice = ch.pick(["insert", "remove", "replace", "move"] if mine else ["insert"])
        if choice == "insert":
            return o.ArrayInsert(
                id=cells.id, index=ch.integer(start, end), value=value(ch, client.ids)
            )
        index = ch.integer(start, end - 1)
        if choice == "remove":
            return o.ArrayRemove(id=cells.id, index=index)
        if choice == "replace":
            return o.ArrayReplace(id=cells.id, index=index, value=value(ch, client.ids))
        return o.ArrayMove(id=cells.id, from_index=index, to_index=ch.integer(start, end - 1))
    if kind == "keys":
        keys = _node(client, "keys")
        key = name + ch.pick("ab")
        fresh = value(ch, client.ids, depth=1)
        if key not in keys.children:
            return o.ObjectAddProperty(id=keys.id, key=key, value=fresh)
        if ch.chance(50):
            return o.ObjectRemoveProperty(id=keys.id, key=key)
        return o.ObjectSetProperty(id=keys.id, key=key, value=fresh)
    if kind == "count":
        return o.NumberDelta(id=_node(client, "count").id, delta=float(ch.integer(1, 5)))
    own = _node(client, "own", name)
    nodes = [n for n in iter_values(own) if not isinstance(n, NullValue) and possible_ops(n)]
    target = ch.pick(nodes)
    return op_on(ch, ch.pick(possible_ops(target)), target, client.ids)


def _count_delta(op: o.DiscreteOperation, count_id: str) -> float:
    return op.delta if isinstance(op, o.NumberDelta) and op.id == count_id else 0.0


class Owners:
    """The three users' own steps: what each owned after each step, and its counter deltas."""

    def __init__(self, server: SimServer) -> None:
        self.server = server
        self.after: list[list[dict[str, Any]]] = [
            [owned(server.clients[n], u)] for u, n in enumerate(NAMES)
        ]
        self.deltas: list[list[float]] = [[] for _ in NAMES]
        self.active = [0, 0, 0]  # steps not undone
        self.steps = 0

    def act(self, ch: DrawChooser, user: int) -> None:
        """One user action: a typing run, one op, or a batch; recorded as a step if it did
        anything (it then clears the redo stack, so only steps on top are active)."""
        client = self.server.clients[NAMES[user]]
        client.now += 10.0
        self.steps += 1
        count_id = _node(client, "count").id
        made: list[o.DiscreteOperation] = []
        op: o.DiscreteOperation
        shape = ch.pick(["one", "batch", "typing"])
        if shape == "typing":
            start, end = text_segment(client, user)
            at = ch.integer(start, end)
            for offset in range(ch.integer(1, 4)):
                op = o.StringSplice(
                    id=_node(client, "text").id, index=at + offset, insert_value="t"
                )
                client.edit(op)
                made.append(op)
        elif shape == "one":
            op = owned_op(ch, client, user)
            client.edit(op, group=("step", self.steps))
            made.append(op)
        else:
            client.start_batch()
            for _ in range(ch.integer(2, 3)):
                op = owned_op(ch, client, user)
                client.edit(op, group=("step", self.steps))
                made.append(op)
            client.end_batch()
        if all(is_noop(op) for op in made):
            return
        del self.after[user][self.active[user] + 1 :]
        del self.deltas[user][self.active[user] :]
        self.after[user].append(owned(client, user))
        self.deltas[user].append(sum(_count_delta(op, count_id) for op in made))
        self.active[user] += 1

    def check(self) -> None:
        """Each user owns exactly what their active steps made; the counter adds them up."""
        server = self.server
        server.flush()
        server.assert_converged()
        reader = server.clients[NAMES[0]]
        for user in range(len(NAMES)):
            assert owned(reader, user) == self.after[user][self.active[user]], user
        expected = sum(sum(d[:a]) for d, a in zip(self.deltas, self.active, strict=True))
        assert _node(reader, "count").value == expected


def traffic(ch: DrawChooser, server: SimServer, owners: Owners, me: int, *, quiet: int) -> None:
    """Some deliveries, and actions by the users other than ``me``."""
    for _ in range(ch.integer(0, quiet)):
        user = ch.integer(0, len(NAMES) - 1)
        if ch.chance(30) and user != me:
            owners.act(ch, user)
        else:
            server.step(NAMES[user], ch.chance(50))


def exact_undo_redo(data: st.DataObject) -> None:
    ch = DrawChooser(data.draw)
    server = SimServer(initial_root(), NAMES)
    owners = Owners(server)
    me = ch.integer(0, len(NAMES) - 1)  # in the middle, everyone's edits move its indices
    for _ in range(ch.integer(1, 20)):
        if ch.chance(50):
            owners.act(ch, me if ch.chance(50) else ch.integer(0, len(NAMES) - 1))
        else:
            server.step(ch.pick(NAMES), ch.chance(50))
    client = server.clients[NAMES[me]]
    k = ch.integer(min(1, owners.active[me]), owners.active[me])
    for _ in range(k):
        traffic(ch, server, owners, me, quiet=3)
        assert client.undo()
        owners.active[me] -= 1
    traffic(ch, server, owners, me, quiet=6)
    owners.check()
    redone = ch.integer(0, k)
    for _ in range(redone):
        traffic(ch, server, owners, me, quiet=3)
        assert client.redo()
        owners.active[me] += 1
    traffic(ch, server, owners, me, quiet=6)
    owners.check()


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(data=st.data())
def test_undo_last_k_restores_the_document_without_them(data: st.DataObject) -> None:
    exact_undo_redo(data)


# -- unrestricted ------------------------------------------------------------------------------


def any_op(ch: DrawChooser, client: SimClient) -> o.DiscreteOperation | None:
    root = client.tree.root
    shared = [root.children[k] for k in ("text", "cells", "count") if k in root.children]
    pool = shared if shared and ch.chance(60) else list(iter_values(root))
    nodes = [n for n in pool if not isinstance(n, NullValue) and n is not root and possible_ops(n)]
    if not nodes:
        return None
    target = ch.pick(nodes)
    return op_on(ch, ch.pick(possible_ops(target)), target, client.ids)


def unrestricted(data: st.DataObject) -> None:
    ch = DrawChooser(data.draw)
    server = SimServer(initial_root(), NAMES)
    for _ in range(ch.integer(5, 40)):
        client = server.clients[ch.pick(NAMES)]
        action = ch.pick(["edit", "edit", "batch", "undo", "undo", "redo", "deliver", "deliver"])
        client.now += ch.pick([0.1, 5.0])
        if action == "edit":
            op = any_op(ch, client)
            if op is not None:
                client.edit(op)
        elif action == "batch":
            client.start_batch()
            for _ in range(ch.integer(1, 3)):
                op = any_op(ch, client)
                if op is not None:
                    client.edit(op, group=("batch", client.now))
            client.end_batch()
        elif action == "undo":
            before = client.plain()
            if client.undo() and ch.chance(50):
                assert client.redo()
                assert client.plain() == before
        elif action == "redo":
            client.redo()
        else:
            for _ in range(ch.integer(1, 4)):
                server.step(client.name, ch.chance(50))
    server.flush()
    server.assert_converged()


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(data=st.data())
def test_unrestricted_undo_redo_converges(data: st.DataObject) -> None:
    unrestricted(data)


@pytest.fixture
def long_run(request: pytest.FixtureRequest) -> None:
    require_long(request)


@pytest.mark.long
@pytest.mark.usefixtures("long_run")
@settings(max_examples=LONG_EXAMPLES, **SETTINGS)
@given(data=st.data())
def test_undo_properties_long(data: st.DataObject) -> None:
    exact_undo_redo(data)
    unrestricted(data)
