"""``UndoHistory`` case by case: the inverse of every op type, grouping, skipped steps, ids."""

from __future__ import annotations

from typing import Any

import pytest

from convergence_jupyter import ot
from convergence_jupyter.client.undo_history import UndoHistory
from convergence_jupyter.ot import operations as o
from tests.ot.generators import Ids

DATA = {
    "text": "hello",
    "list": ["a", "b", {"in": "c"}],
    "obj": {"k": 1.0, "deep": {"s": "x"}},
    "n": 2.0,
    "flag": True,
    "when": {"$$convergence_type": "date", "date": 1000},
}


class Doc:
    """One user's tree and history, with no one else (``remote`` plays someone else)."""

    def __init__(self) -> None:
        root = ot.from_plain(DATA, Ids("v"))
        assert isinstance(root, ot.ObjectValue)
        self.tree = ot.ModelTree(root)
        self.history = UndoHistory(Ids("fresh"), typing_window=1.0)
        self.now = 0.0
        self.submitted: list[o.CompoundOperation] = []

    def id(self, *path: str | int) -> str:
        node: Any = self.tree.root
        for step in path:
            node = node.children[step]
        return str(node.id)

    def plain(self) -> Any:
        return ot.to_plain(self.tree.root)

    def edit(self, op: o.DiscreteOperation, group: Any = None) -> None:
        self.history.record_local(ot.apply(self.tree, op), now=self.now, group=group)

    def remote(self, op: o.DiscreteOperation) -> None:
        self.history.record_other(ot.as_operation(ot.apply(self.tree, op)))

    def _submit(self, op: o.CompoundOperation) -> None:
        self.submitted.append(op)
        for part in op.ops:
            self.edit(part)

    def undo(self) -> bool:
        return self.history.undo(self.tree, self._submit)

    def redo(self) -> bool:
        return self.history.redo(self.tree, self._submit)


def _ops(doc: Doc) -> list[o.DiscreteOperation]:
    fresh = Ids("new")
    return [
        o.StringSplice(id=doc.id("text"), index=1, delete_count=2, insert_value="EY"),
        o.StringSplice(id=doc.id("text"), index=5, insert_value="!"),
        o.StringSet(id=doc.id("text"), value="bye"),
        o.ArrayInsert(id=doc.id("list"), index=1, value=ot.from_plain([1.0], fresh)),
        o.ArrayRemove(id=doc.id("list"), index=2),
        o.ArrayReplace(id=doc.id("list"), index=0, value=ot.from_plain("z", fresh)),
        o.ArrayMove(id=doc.id("list"), from_index=0, to_index=2),
        o.ArraySet(id=doc.id("list"), values=(ot.from_plain(True, fresh),)),
        o.ObjectAddProperty(id=doc.id("obj"), key="new", value=ot.from_plain({}, fresh)),
        o.ObjectSetProperty(id=doc.id("obj"), key="deep", value=ot.from_plain(3.0, fresh)),
        o.ObjectRemoveProperty(id=doc.id("obj"), key="deep"),
        o.ObjectSet(id=doc.id("obj"), values={"only": ot.from_plain("v", fresh)}),
        o.NumberDelta(id=doc.id("n"), delta=3.5),
        o.NumberSet(id=doc.id("n"), value=-1.0),
        o.BooleanSet(id=doc.id("flag"), value=False),
        o.DateSet(id=doc.id("when"), value=99000),
    ]


@pytest.mark.parametrize(
    "index", range(len(_ops(Doc()))), ids=lambda i: type(_ops(Doc())[i]).__name__
)
def test_every_op_type_undoes_and_redoes(index: int) -> None:
    doc = Doc()
    before = doc.plain()
    doc.edit(_ops(doc)[index])
    after = doc.plain()
    assert after != before
    assert doc.undo() and doc.plain() == before
    assert doc.redo() and doc.plain() == after
    assert doc.undo() and doc.plain() == before
    assert not doc.undo()


def test_steps_undo_in_reverse_and_a_new_edit_clears_redo() -> None:
    doc = Doc()
    states = [doc.plain()]
    for op in (
        o.StringSet(id=doc.id("text"), value="one"),
        o.StringSet(id=doc.id("text"), value="two"),  # inverse of the first is not lost
        o.NumberDelta(id=doc.id("n"), delta=1.0),
    ):
        doc.now += 10
        doc.edit(op)
        states.append(doc.plain())
    for state in reversed(states[:-1]):
        assert doc.undo() and doc.plain() == state
    assert doc.redo() and doc.plain() == states[1]
    doc.edit(o.BooleanSet(id=doc.id("flag"), value=False))
    assert not doc.history.can_redo


def test_typing_run_is_one_step_until_the_window_or_kind_changes() -> None:
    doc = Doc()
    text = doc.id("text")
    for i, ch in enumerate("abc"):
        doc.now += 0.5
        doc.edit(o.StringSplice(id=text, index=5 + i, insert_value=ch))
    doc.now += 0.5
    doc.edit(o.StringSplice(id=text, index=7, delete_count=1))  # backspace: a new step
    doc.now += 5
    doc.edit(o.StringSplice(id=text, index=7, insert_value="X"))  # after a pause: new step
    assert len(doc.history.undo_stack) == 3
    assert doc.undo() and doc.plain()["text"] == "helloab"
    assert doc.undo() and doc.plain()["text"] == "helloabc"
    assert doc.undo() and doc.plain()["text"] == "hello"


def test_a_group_is_one_step_and_new_step_ends_a_run() -> None:
    doc = Doc()
    doc.edit(o.StringSplice(id=doc.id("text"), index=0, insert_value="1"), group="g")
    doc.edit(o.NumberDelta(id=doc.id("n"), delta=1.0), group="g")
    doc.edit(o.StringSplice(id=doc.id("text"), index=0, insert_value="2"))
    doc.history.new_step()
    doc.edit(o.StringSplice(id=doc.id("text"), index=0, insert_value="3"))
    assert len(doc.history.undo_stack) == 3
    doc.undo(), doc.undo()
    assert doc.undo() and doc.plain() == ot.to_plain(Doc().tree.root)
    assert len(doc.submitted[-1].ops) == 2


def test_undo_follows_remote_edits_and_keeps_them() -> None:
    doc = Doc()
    doc.edit(o.StringSplice(id=doc.id("text"), index=5, insert_value=" world"))
    doc.remote(o.StringSplice(id=doc.id("text"), index=0, insert_value=">> "))
    doc.remote(o.StringSplice(id=doc.id("text"), index=14, insert_value="!"))
    assert doc.plain()["text"] == ">> hello world!"
    assert doc.undo() and doc.plain()["text"] == ">> hello!"
    assert doc.redo() and doc.plain()["text"] == ">> hello world!"


def test_step_on_a_value_someone_removed_is_skipped() -> None:
    doc = Doc()
    doc.edit(o.NumberDelta(id=doc.id("n"), delta=1.0))
    doc.now += 10
    doc.edit(o.StringSplice(id=doc.id("obj", "deep", "s"), index=0, insert_value="y"))
    doc.remote(o.ObjectRemoveProperty(id=doc.id("obj"), key="deep"))
    assert doc.undo()  # the string edit is gone with "deep": the delta is undone instead
    assert doc.plain()["n"] == 2.0 and "deep" not in doc.plain()["obj"]
    assert not doc.undo()


def test_restored_values_get_fresh_ids_and_later_steps_follow_them() -> None:
    doc = Doc()
    inner = doc.id("list", 2, "in")
    doc.edit(o.StringSplice(id=inner, index=1, insert_value="d"))
    doc.now += 10
    doc.edit(o.ArrayRemove(id=doc.id("list"), index=2))
    assert doc.undo()
    restored = doc.id("list", 2, "in")
    assert restored != inner and doc.plain()["list"][2] == {"in": "cd"}
    assert doc.undo() and doc.plain()["list"][2] == {"in": "c"}
    assert doc.redo() and doc.redo() and doc.plain()["list"] == ["a", "b"]
