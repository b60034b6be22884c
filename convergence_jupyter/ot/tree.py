"""A model's live value tree with an id index, kept current as subtrees attach and detach.

Operations address values by id, so every apply starts with an id lookup; the index makes that
O(1). Parent links let the tree answer "how deep is this value" for the nesting limit.
"""

from __future__ import annotations

from .errors import InvalidOperationError
from .values import DataValue, ObjectValue, child_values, deep_copy, iter_values, value_depth

DEFAULT_MAX_DEPTH = 64


class ModelTree:
    """The data of one model: a root object plus an id index. One owner at a time."""

    def __init__(self, root: ObjectValue, *, max_depth: int = DEFAULT_MAX_DEPTH) -> None:
        if not isinstance(root, ObjectValue):
            raise InvalidOperationError("a model's root must be an object")
        self.max_depth = max_depth
        self.root = root
        self._index: dict[str, DataValue] = {}
        self._parent: dict[str, str | None] = {}
        if value_depth(root) > max_depth:
            raise InvalidOperationError(f"model nesting exceeds {max_depth} levels")
        self._attach(root, None)

    # --- queries -------------------------------------------------------------------------

    def get(self, value_id: str) -> DataValue | None:
        return self._index.get(value_id)

    def __contains__(self, value_id: object) -> bool:
        return value_id in self._index

    def __len__(self) -> int:
        return len(self._index)

    def ids(self) -> set[str]:
        return set(self._index)

    def parent_id(self, value_id: str) -> str | None:
        return self._parent.get(value_id)

    def depth_of(self, value_id: str) -> int:
        """1 for the root, 2 for its children, and so on."""
        depth = 0
        current: str | None = value_id
        while current is not None:
            depth += 1
            current = self._parent[current]
        return depth

    def copy(self) -> ModelTree:
        """An independent tree with the same ids and data."""
        root = deep_copy(self.root)
        assert isinstance(root, ObjectValue)
        return ModelTree(root, max_depth=self.max_depth)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ModelTree) and self.root == other.root

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ModelTree({self.root!r})"

    # --- structural edits (used by apply) ---------------------------------------------------

    def check_attachable(self, parent_id: str, value: DataValue) -> None:
        """Raise unless ``value`` may go under ``parent_id``: fresh ids, within the depth limit."""
        seen: set[str] = set()
        for node in iter_values(value):
            if node.id in self._index or node.id in seen:
                raise InvalidOperationError(f"value id {node.id!r} is already in use")
            seen.add(node.id)
        if self.depth_of(parent_id) + value_depth(value) > self.max_depth:
            raise InvalidOperationError(f"value nesting would exceed {self.max_depth} levels")

    def adopt(self, parent_id: str, value: DataValue) -> DataValue:
        """Copy ``value`` in under ``parent_id`` and index it; the caller links it in."""
        owned = deep_copy(value)
        self._attach(owned, parent_id)
        return owned

    def release(self, value: DataValue) -> None:
        """Forget a subtree the caller has just unlinked from its parent."""
        for node in iter_values(value):
            self._index.pop(node.id, None)
            self._parent.pop(node.id, None)

    def _attach(self, value: DataValue, parent_id: str | None) -> None:
        stack: list[tuple[DataValue, str | None]] = [(value, parent_id)]
        while stack:
            node, parent = stack.pop()
            if node.id in self._index:
                raise InvalidOperationError(f"duplicate value id {node.id!r}")
            self._index[node.id] = node
            self._parent[node.id] = parent
            stack.extend((child, node.id) for child in child_values(node))
