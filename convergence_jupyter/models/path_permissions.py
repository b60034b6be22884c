"""Path-level (granular) model permissions (issue 12): who may read and write where inside a
model, on top of the model-level permissions.

A grant is ``(path, subject, read, write)``: the path a JSON Pointer into the model's data, the
subject one user, one group, or the world. For one user and one path, the grants at the
*longest* grant path that is a prefix of the path and that names the user decide: the user's
own grant, else the union of the grants of the user's groups at that path, else the world's.
No grant on the way: the model-level permission. A path grant never widens the model-level
permission (``read`` needs model read, ``write`` model write), and writing needs reading.
Users with ``manage`` on the model (the teacher of the exam, the model's creator) and
Convergence users are not restricted by path grants at all (:func:`resolve_rules` gives None),
so an owner can never lock themselves out.

Arrays. Hiding an array element would shift the indices every later op is expressed in, so
hiding happens only inside objects: an unreadable object property is *absent* from the view.
A grant path with an index-like segment (all digits, or ``-``) can restrict writing (say
``/cells/3/source``, judged by the value's current index) but not reading; such a grant must
say ``read=True`` (:func:`check_grant`) and reading below it follows the nearest key-only
grant. An array is therefore shown whole or not at all.

Reading and "structure". An unreadable object that has a readable path below it (``/answers``
hidden from students, ``/answers/alice`` readable by alice) is shown as an object holding only
the keys that lead to readable data.

Ops (:meth:`PathRules.view_op`). Each recipient gets one remote op per committed op, so its
version stream stays exact; a part the recipient may not see becomes a no-op placeholder on the
model's root id with no payload (rc.12 skips no-op parts entirely: no apply, identity in
every transform), a payload is cut down to what the recipient may read, and a property set
whose old or new value is hidden becomes an add or a remove. Each part of a compound op is judged
in the state its earlier parts leave (they are applied to the tree and undone).

Writes (:meth:`PathRules.refusal`). A part is judged by the path it writes: the target of a
scalar op, ``target/key`` of a property op, the whole array of an index-shifting array op (or
``array/index`` of a replace); a part that replaces or removes a subtree must also be writable
at every grant path below it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from convergence_jupyter import ot

Path: TypeAlias = tuple[str, ...]
T = TypeVar("T")

#: Subject kinds of a path grant.
USER, GROUP, WORLD = "user", "group", "world"


class PathGrantError(ValueError):
    """A path grant that cannot be stored (bad pointer, index-like segment that hides)."""


def parse_pointer(text: str) -> Path:
    """RFC 6901: ``""`` is the root, else ``/`` separated segments with ``~1`` and ``~0``."""
    if text == "":
        return ()
    if not text.startswith("/"):
        raise PathGrantError(f"a path must be a JSON Pointer starting with '/': {text!r}")
    return tuple(s.replace("~1", "/").replace("~0", "~") for s in text[1:].split("/"))


def format_pointer(path: Path) -> str:
    return "".join("/" + s.replace("~", "~0").replace("/", "~1") for s in path)


def is_index_segment(segment: str) -> bool:
    return segment == "-" or segment.isdigit()


@dataclass(frozen=True, slots=True)
class PathGrant:
    path: Path
    subject: str  # USER, GROUP or WORLD
    #: The user's store pk or the group id; None for the world.
    name: int | str | None
    read: bool
    write: bool


def check_grant(grant: PathGrant) -> None:
    """Raise :class:`PathGrantError` for a grant that could not be enforced as written."""
    if grant.subject not in (USER, GROUP, WORLD):
        raise PathGrantError(f"unknown subject kind {grant.subject!r}")
    if not grant.read and any(is_index_segment(s) for s in grant.path):
        raise PathGrantError(
            f"{format_pointer(grant.path)}: a path through an array index cannot hide data "
            "(indices shift); grant read there, restrict reading on an object key above it"
        )


def resolve_rules(
    grants: Iterable[PathGrant],
    *,
    user_pk: int,
    groups: Iterable[str],
    model_read: bool,
    model_write: bool,
    unrestricted: bool,
) -> PathRules | None:
    """The rules for one user; None when nothing restricts the user (no grants, or manage)."""
    if unrestricted:
        return None
    member_of = set(groups)
    by_path: dict[Path, list[PathGrant]] = {}
    for g in grants:
        by_path.setdefault(g.path, []).append(g)
    entries: dict[Path, tuple[bool, bool]] = {}
    for path, at in by_path.items():
        own = [g for g in at if g.subject == USER and g.name == user_pk]
        if not own:
            own = [g for g in at if g.subject == GROUP and g.name in member_of]
        if not own:
            own = [g for g in at if g.subject == WORLD]
        if own:
            entries[path] = (any(g.read for g in own), any(g.write for g in own))
    if not entries:
        return None
    return PathRules(entries, model_read, model_write)


#: A placeholder part: what a recipient gets for a part it may not see.
def _placeholder(root_id: str) -> ot.StringSplice:
    return ot.StringSplice(id=root_id, no_op=True, index=0)


@dataclass(slots=True)
class _Node:
    path: Path
    value: ot.DataValue


def _find(tree: ot.ModelTree, value_id: str) -> _Node | None:
    value = tree.get(value_id)
    if value is None:
        return None
    path = path_of(tree, value_id)
    assert path is not None
    return _Node(path, value)


def path_of(tree: ot.ModelTree, value_id: str) -> Path | None:
    """The JSON Pointer segments of a value in ``tree``; None if it is not there."""
    node = tree.get(value_id)
    if node is None:
        return None
    steps: list[str] = []
    parent_id = tree.parent_id(value_id)
    while parent_id is not None:
        parent = tree.get(parent_id)
        if isinstance(parent, ot.ObjectValue):
            steps.append(next(k for k, v in parent.children.items() if v is node))
        else:
            assert isinstance(parent, ot.ArrayValue)
            steps.append(str(next(i for i, v in enumerate(parent.children) if v is node)))
        assert parent is not None
        node = parent
        parent_id = tree.parent_id(parent_id)
    steps.reverse()
    return tuple(steps)


def _parts(op: ot.Operation) -> tuple[ot.DiscreteOperation, ...]:
    return op.ops if isinstance(op, ot.CompoundOperation) else (op,)


def _walk(
    tree: ot.ModelTree,
    op: ot.Operation,
    judge: Callable[[ot.DiscreteOperation, _Node | None], T],
) -> list[T]:
    """``judge`` each part with its target as the part finds it (None: unknown id, or a
    no-op part).

    The parts of a compound are applied to ``tree`` one by one, so each is judged in the
    state the earlier parts made, and undone before this returns (the caller applies the op
    for real afterwards). A part that does not apply ends the walk: the op is invalid and the
    real apply refuses it."""
    if not isinstance(op, ot.CompoundOperation):
        return [judge(op, None if op.no_op else _find(tree, op.id))]
    out: list[T] = []
    done: list[ot.AppliedOperation] = []
    try:
        for part in op.ops:
            out.append(judge(part, None if part.no_op else _find(tree, part.id)))
            try:
                done.append(ot.apply(tree, part))
            except ot.InvalidOperationError:
                break
    finally:
        for applied in reversed(done):
            ot.apply(tree, ot.as_operation(ot.invert(applied)))
    return out


class PathRules:
    """The path grants that apply to one user, resolved to ``path -> (read, write)``."""

    def __init__(
        self, entries: Mapping[Path, tuple[bool, bool]], model_read: bool, model_write: bool
    ) -> None:
        self.entries = dict(entries)
        self._model = (model_read, model_write)
        self._write_rules = {p: w for p, (_, w) in self.entries.items()}
        self._read_rules = {
            p: r for p, (r, _) in self.entries.items() if not any(map(is_index_segment, p))
        }
        #: Strict prefixes of any key-only rule: below them, reading is not uniform.
        self._ruled_below: set[Path] = set()
        #: Strict prefixes of a readable key-only rule: shown as structure when unreadable.
        self._open_below: set[Path] = set()
        for p in self._read_rules:
            prefixes = {p[:i] for i in range(len(p))}
            self._ruled_below |= prefixes
            if self.readable(p):
                self._open_below |= prefixes

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, PathRules)
            and self.entries == other.entries
            and self._model == other._model
        )

    __hash__ = None  # type: ignore[assignment]

    def _nearest(self, rules: Mapping[Path, bool], path: Path, default: bool) -> bool:
        for i in range(len(path), -1, -1):
            found = rules.get(path[:i])
            if found is not None:
                return found
        return default

    def readable(self, path: Path) -> bool:
        return self._model[0] and self._nearest(self._read_rules, path, True)

    def writable(self, path: Path) -> bool:
        return (
            self._model[1] and self.readable(path) and self._nearest(self._write_rules, path, True)
        )

    def shown(self, path: Path, value: ot.DataValue) -> bool:
        """Whether a value at ``path`` is in this user's view at all."""
        return self.readable(path) or (
            isinstance(value, ot.ObjectValue) and path in self._open_below
        )

    # -- the view of data ------------------------------------------------------------------

    def view(self, value: ot.DataValue, path: Path = ()) -> ot.DataValue | None:
        """``value`` (at ``path``) as this user may see it; None if not at all. Shares the
        nodes that need no cut, so treat the result as read-only."""
        if not self.shown(path, value):
            return None
        if path not in self._ruled_below or not isinstance(value, ot.ObjectValue):
            return value
        children: dict[str, ot.DataValue] = {}
        for key, child in value.children.items():
            seen = self.view(child, (*path, key))
            if seen is not None:
                children[key] = seen
        return ot.ObjectValue(value.id, children)

    def view_plain(self, data: dict[str, Any]) -> dict[str, Any]:
        """Plain model data (REST's form) as this user may see it."""
        counter = iter(range(1 << 62))
        root = ot.from_plain(data, lambda: f"v:{next(counter)}")
        assert isinstance(root, ot.ObjectValue)
        seen = ot.to_plain(self.view_root(root))
        assert isinstance(seen, dict)
        return seen

    def view_root(self, root: ot.ObjectValue) -> ot.ObjectValue:
        seen = self.view(root)
        return seen if isinstance(seen, ot.ObjectValue) else ot.ObjectValue(root.id, {})

    def sees_id(self, tree: ot.ModelTree, value_id: str) -> bool:
        """Whether a value id of ``tree`` is in this user's view (references)."""
        path = path_of(tree, value_id)
        if path is None:
            return False
        return all(self.shown(path[:i], v) for i, v in enumerate(_lineage(tree, value_id)))

    def sees_key(self, tree: ot.ModelTree, object_id: str, key: str) -> bool:
        """Whether property ``key`` of object ``object_id`` is in this user's view."""
        node = tree.get(object_id)
        path = path_of(tree, object_id)
        if not isinstance(node, ot.ObjectValue) or path is None:
            return False
        child = node.children.get(key)
        return child is not None and self.shown((*path, key), child)

    # -- ops ---------------------------------------------------------------------------------

    def view_op(self, tree: ot.ModelTree, op: ot.Operation) -> ot.Operation:
        """(Before ``op`` is applied to ``tree``.) The op as this user is sent it."""
        return views_of([self], tree, op)[0]

    def _view_part(self, part: ot.DiscreteOperation, target: _Node) -> ot.DiscreteOperation | None:
        if not self.shown(target.path, target.value):
            return None
        container = target.value
        match part:
            case ot.ObjectAddProperty():
                value = self.view(part.value, (*target.path, part.key))
                return None if value is None else part.replace(value=value)
            case ot.ObjectSetProperty():
                assert isinstance(container, ot.ObjectValue)
                where = (*target.path, part.key)
                old = container.children.get(part.key)
                had = old is not None and self.shown(where, old)
                value = self.view(part.value, where)
                if value is None:
                    return ot.ObjectRemoveProperty(id=part.id, key=part.key) if had else None
                if not had:
                    return ot.ObjectAddProperty(id=part.id, key=part.key, value=value)
                return part.replace(value=value)
            case ot.ObjectRemoveProperty():
                assert isinstance(container, ot.ObjectValue)
                old = container.children.get(part.key)
                had = old is not None and self.shown((*target.path, part.key), old)
                return part if had else None
            case ot.ObjectSet():
                values = {}
                for key, v in part.values.items():
                    seen = self.view(v, (*target.path, key))
                    if seen is not None:
                        values[key] = seen
                return part.replace(values=values)
            case _:
                # Scalars and arrays: shown means readable, and an array's whole content is.
                return part if self.readable(target.path) else None

    def refusal(self, tree: ot.ModelTree, op: ot.Operation) -> str | None:
        """(Before ``op`` is applied to ``tree``.) Why this user may not submit ``op``, or None."""
        found = _walk(tree, op, self._part_refusal)
        return next((reason for reason in found if reason is not None), None)

    def _part_refusal(self, part: ot.DiscreteOperation, target: _Node | None) -> str | None:
        if target is None:
            return None
        for path, whole in _written(part, target):
            if not self.writable(path):
                return f"no write permission at {format_pointer(path) or '/'}"
            if not whole:
                continue
            for rule in self.entries:
                if len(rule) > len(path) and rule[: len(path)] == path and not self.writable(rule):
                    # (The grant's path is not named: it may be another user's key.)
                    return (
                        f"writing {format_pointer(path) or '/'} would replace data below it "
                        "that you may not write"
                    )
        return None


def views_of(
    readers: Sequence[PathRules], tree: ot.ModelTree, op: ot.Operation
) -> list[ot.Operation]:
    """(Before ``op`` is applied to ``tree``.) The op as each reader is sent it, in one walk
    over its parts (paths are looked up, and a compound's parts applied, once for all)."""
    root_id = tree.root.id

    def judge(part: ot.DiscreteOperation, target: _Node | None) -> list[ot.DiscreteOperation]:
        out = []
        for reader in readers:
            seen = None if target is None else reader._view_part(part, target)
            out.append(seen if seen is not None else _placeholder(root_id))
        return out

    per_part = _walk(tree, op, judge)
    views: list[ot.Operation] = []
    for i in range(len(readers)):
        parts = tuple(p[i] for p in per_part)
        views.append(
            ot.CompoundOperation(parts) if isinstance(op, ot.CompoundOperation) else parts[0]
        )
    return views


def _written(part: ot.DiscreteOperation, target: _Node) -> list[tuple[Path, bool]]:
    """The paths a part writes, each with whether the whole subtree there is replaced."""
    match part:
        case ot.ObjectAddProperty() | ot.ObjectSetProperty() | ot.ObjectRemoveProperty():
            return [((*target.path, part.key), True)]
        case ot.ArrayReplace():
            return [((*target.path, str(part.index)), True)]
        case ot.ArrayInsert() | ot.ArrayRemove() | ot.ArrayMove() | ot.ArraySet() | ot.ObjectSet():
            return [(target.path, True)]
        case _:
            return [(target.path, False)]


def _lineage(tree: ot.ModelTree, value_id: str) -> list[ot.DataValue]:
    """The values from the root down to ``value_id`` (which is in ``tree``)."""
    nodes: list[ot.DataValue] = []
    current: str | None = value_id
    while current is not None:
        node = tree.get(current)
        assert node is not None
        nodes.append(node)
        current = tree.parent_id(current)
    nodes.reverse()
    return nodes


__all__ = [
    "GROUP",
    "USER",
    "WORLD",
    "Path",
    "PathGrant",
    "PathGrantError",
    "PathRules",
    "check_grant",
    "format_pointer",
    "is_index_segment",
    "parse_pointer",
    "path_of",
    "resolve_rules",
    "views_of",
]
