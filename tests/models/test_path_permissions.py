"""Path-level permissions (models/path_permissions.py): resolution, the read view, write
judgement, and the property that a restricted reader's view, kept current only with the ops it
is sent, always equals a fresh view of the model."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convergence_jupyter import ot
from convergence_jupyter.models.path_permissions import (
    GROUP,
    USER,
    WORLD,
    PathGrant,
    PathGrantError,
    PathRules,
    check_grant,
    format_pointer,
    parse_pointer,
    path_of,
    resolve_rules,
    views_of,
)
from tests.ot.generators import DrawChooser, Ids, op_on, possible_ops

ALICE, BOB = 1, 2


def _tree(data: dict[str, Any]) -> ot.ModelTree:
    counter = iter(range(10**6))
    root = ot.from_plain(data, lambda: f"0:{next(counter)}")
    assert isinstance(root, ot.ObjectValue)
    return ot.ModelTree(root)


def exam_grants() -> list[PathGrant]:
    return [
        PathGrant(("answers",), WORLD, None, False, False),
        PathGrant(("answers", "alice"), USER, ALICE, True, True),
        PathGrant(("answers", "bob"), USER, BOB, True, True),
        PathGrant(("questions",), WORLD, None, True, False),
    ]


def rules_of(user_pk: int, grants: list[PathGrant] | None = None) -> PathRules:
    found = resolve_rules(
        grants if grants is not None else exam_grants(),
        user_pk=user_pk,
        groups=(),
        model_read=True,
        model_write=True,
        unrestricted=False,
    )
    assert found is not None
    return found


EXAM = {
    "title": "Exam",
    "questions": [{"text": "2+2?"}, {"text": "capital of France?"}],
    "answers": {"alice": {"text": "four"}, "bob": {"text": "SECRET-BOB"}},
}


@given(st.lists(st.text(max_size=5), max_size=5))
def test_pointer_round_trip(segments: list[str]) -> None:
    path = tuple(segments)
    assert parse_pointer(format_pointer(path)) == path


def test_pointer_rejects_relative() -> None:
    with pytest.raises(PathGrantError):
        parse_pointer("answers/alice")


def test_most_specific_path_then_user_group_world() -> None:
    grants = [
        PathGrant(("a",), WORLD, None, False, False),
        PathGrant(("a", "b"), GROUP, "g", True, False),
        PathGrant(("a", "b"), WORLD, None, False, False),
        PathGrant(("a", "b", "c"), USER, ALICE, True, True),
    ]

    def rules(user: int, groups: tuple[str, ...]) -> PathRules:
        found = resolve_rules(
            grants,
            user_pk=user,
            groups=groups,
            model_read=True,
            model_write=True,
            unrestricted=False,
        )
        assert found is not None
        return found

    alice, member, other = rules(ALICE, ("g",)), rules(BOB, ("g",)), rules(BOB, ())
    assert not other.readable(("a",)) and not other.readable(("a", "b", "x"))
    assert member.readable(("a", "b", "x")) and not member.writable(("a", "b", "x"))
    assert alice.writable(("a", "b", "c", "d")) and alice.readable(("a", "b"))
    assert other.writable(("z",))  # no grant on the way: the model-level permission


def test_path_grants_never_widen_the_model_level() -> None:
    found = resolve_rules(
        [PathGrant(("a",), USER, ALICE, True, True)],
        user_pk=ALICE,
        groups=(),
        model_read=True,
        model_write=False,
        unrestricted=False,
    )
    assert found is not None and not found.writable(("a",))


def test_managers_and_unrelated_grants_are_unrestricted() -> None:
    kw: dict[str, Any] = {"groups": (), "model_read": True, "model_write": True}
    assert resolve_rules(exam_grants(), user_pk=ALICE, unrestricted=True, **kw) is None
    assert resolve_rules([], user_pk=ALICE, unrestricted=False, **kw) is None


def test_read_restriction_through_an_index_is_refused() -> None:
    with pytest.raises(PathGrantError):
        check_grant(PathGrant(("cells", "3"), WORLD, None, False, False))
    check_grant(PathGrant(("cells", "3", "source"), USER, ALICE, True, True))


def test_view_hides_other_answers() -> None:
    tree = _tree(EXAM)
    alice = ot.to_plain(rules_of(ALICE).view_root(tree.root))
    assert alice == {
        "title": "Exam",
        "questions": EXAM["questions"],
        "answers": {"alice": {"text": "four"}},
    }
    stranger = ot.to_plain(rules_of(99).view_root(tree.root))
    assert "answers" not in stranger


def _id_at(tree: ot.ModelTree, *path: str) -> str:
    node: ot.DataValue = tree.root
    for step in path:
        if isinstance(node, ot.ArrayValue):
            node = node.children[int(step)]
        else:
            assert isinstance(node, ot.ObjectValue)
            node = node.children[step]
    return node.id


def test_writes_are_judged_by_path() -> None:
    tree = _tree(EXAM)
    alice = rules_of(ALICE)
    own = ot.StringSplice(id=_id_at(tree, "answers", "alice", "text"), index=0, insert_value="x")
    other = ot.StringSplice(id=_id_at(tree, "answers", "bob", "text"), index=0, insert_value="x")
    question = ot.StringSplice(id=_id_at(tree, "questions", "0", "text"), index=0)
    replace_all = ot.ObjectSet(id=_id_at(tree, "answers"), values={})
    new_key = ot.ObjectAddProperty(
        id=_id_at(tree, "answers"), key="carol", value=ot.StringValue("9:1", "x")
    )
    assert alice.refusal(tree, own) is None
    assert alice.refusal(tree, other) == "no write permission at /answers/bob/text"
    assert alice.refusal(tree, question) is not None
    assert alice.refusal(tree, replace_all) is not None
    assert alice.refusal(tree, new_key) is not None
    # A compound is refused as a whole when one part is.
    assert alice.refusal(tree, ot.CompoundOperation((own, other))) is not None
    # Replacing her own answer object is fine; replacing the root is not.
    mine = ot.ObjectSetProperty(
        id=_id_at(tree, "answers"), key="alice", value=ot.ObjectValue("9:2", {})
    )
    assert alice.refusal(tree, mine) is None
    assert alice.refusal(tree, ot.ObjectSet(id=tree.root.id, values={})) is not None


def test_hidden_ops_become_payload_free_placeholders() -> None:
    tree = _tree(EXAM)
    bob_edit = ot.StringSplice(
        id=_id_at(tree, "answers", "bob", "text"), index=0, insert_value="MORE-SECRET"
    )
    seen = rules_of(ALICE).view_op(tree, bob_edit)
    assert seen == ot.StringSplice(id=tree.root.id, no_op=True, index=0)
    bob_new = ot.ObjectSetProperty(
        id=_id_at(tree, "answers"), key="bob", value=ot.StringValue("9:3", "SECRET")
    )
    assert rules_of(ALICE).view_op(tree, bob_new).no_op  # type: ignore[union-attr]
    teacher_set = ot.ObjectSet(
        id=tree.root.id,
        values={
            "answers": ot.ObjectValue(
                "9:4", {"alice": ot.StringValue("9:5", "a"), "bob": ot.StringValue("9:6", "b")}
            )
        },
    )
    cut = rules_of(ALICE).view_op(tree, teacher_set)
    assert isinstance(cut, ot.ObjectSet)
    assert ot.to_plain(cut.values["answers"]) == {"alice": "a"}


# -- the view stays exact ------------------------------------------------------------------

KEYS_TREE = {
    "q": {"a": "qa", "b": "hidden-qb", "c": [1, 2]},
    "ans": {"a": {"a": "mine"}, "b": {"a": "theirs"}, "c": "theirs-too"},
    "d": [{"a": "x"}],
}
RANDOM_GRANTS = [
    PathGrant(("ans",), WORLD, None, False, False),
    PathGrant(("ans", "a"), USER, ALICE, True, True),
    PathGrant(("q", "b"), WORLD, None, False, False),
    PathGrant(("e",), WORLD, None, False, False),
    PathGrant(("ans", "a", "b"), USER, ALICE, False, False),
]


def _created(op: ot.Operation) -> set[str]:
    out: set[str] = set()
    for part in op.ops if isinstance(op, ot.CompoundOperation) else (op,):
        payload: list[ot.DataValue] = []
        if isinstance(part, ot.ObjectSet):
            payload = list(part.values.values())
        elif isinstance(part, ot.ArraySet):
            payload = list(part.values)
        elif isinstance(
            part, ot.ObjectAddProperty | ot.ObjectSetProperty | ot.ArrayInsert | ot.ArrayReplace
        ):
            payload = [part.value]
        for value in payload:
            out |= {v.id for v in ot.values.iter_values(value)}
    return out


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_reader_view_follows_the_ops_it_is_sent(data: st.DataObject) -> None:
    ch = DrawChooser(data.draw)
    ids = Ids("7")
    tree = _tree(KEYS_TREE)
    # Alice (her own answer) and bob (only the world's grants), judged in one walk.
    readers = [rules_of(ALICE, RANDOM_GRANTS), rules_of(BOB, RANDOM_GRANTS)]
    copies = [
        ot.ModelTree(ot.values.deep_copy(r.view_root(tree.root)))  # type: ignore[arg-type]
        for r in readers
    ]
    for _ in range(data.draw(st.integers(1, 8))):
        parts: list[ot.DiscreteOperation] = []
        scratch = tree.copy()
        for _ in range(data.draw(st.integers(1, 3))):
            target = scratch.get(ch.pick(sorted(scratch.ids())))
            assert target is not None
            kinds = [] if isinstance(target, ot.NullValue) else possible_ops(target)
            if not kinds:
                continue
            part = op_on(ch, ch.pick(kinds), target, ids)
            ot.apply(scratch, part)
            parts.append(part)
        if not parts:
            continue
        op: ot.Operation = parts[0] if len(parts) == 1 else ot.CompoundOperation(tuple(parts))
        before = tree.copy()
        sent = views_of(readers, tree, op)
        assert tree == before  # judging applied a compound's parts and undid them
        assert sent[0] == readers[0].view_op(tree, op)
        ot.apply(tree, op)
        for rules, reader, seen in zip(readers, copies, sent, strict=True):
            for part in seen.ops if isinstance(seen, ot.CompoundOperation) else (seen,):
                if part.no_op:
                    assert part == ot.StringSplice(id=tree.root.id, no_op=True, index=0)
                else:
                    # What is sent edits only what the reader holds (or what the op creates).
                    assert part.id in reader or part.id in _created(seen)
            ot.apply(reader, seen)
            assert reader.root == rules.view_root(tree.root)


def test_path_of_reports_indices() -> None:
    tree = _tree(EXAM)
    assert path_of(tree, _id_at(tree, "questions", "1", "text")) == ("questions", "1", "text")
    assert path_of(tree, "nope") is None
