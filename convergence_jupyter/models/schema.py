"""Collection schemas: which sub-schema governs a path of a model, and incremental validation.

A collection may carry a JSON Schema (draft 2020-12, checked by ``jsonschema``). Every change
to one of its models is checked, but only where it can matter: the changed subtree against the
sub-schema that governs its path, plus the shape keywords (``required``, ``maxItems``,
``additionalProperties: false``, ...) of a container whose children were added, removed or
moved. A keystroke in a 1,000-cell notebook validates one string, not the document.

A sub-schema can be isolated for a path when every ancestor's schema decides its children's
schemas by position alone: ``properties`` / ``patternProperties`` / ``additionalProperties`` /
``prefixItems`` / ``items``, through ``$ref`` and ``allOf``. Where an ancestor's verdict
depends on the values below it (``anyOf``, ``oneOf``, ``not``, ``if``/``then``/``else``,
``dependentSchemas``, ``unevaluated*``, ``enum``, ``const``, ``contains``, ``uniqueItems``,
``$dynamicRef``) the shallowest such ancestor is validated whole instead.

Pure: no I/O and nothing of the server; plain JSON data in (dicts, lists, str, float, bool,
None). A model date is plain ``{"$$convergence_type": "date", "date": <epoch ms>}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError, best_match
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

#: One step of a path into a model: an object key or an array index.
PathStep: TypeAlias = str | int
JsonPath: TypeAlias = tuple[PathStep, ...]
#: ``referencing``'s resolver (not exported by name): where a schema's ``$ref`` start from.
Resolver: TypeAlias = Any
#: A schema (or a sub-schema) and the resolver its ``$ref`` are relative to.
_Scoped: TypeAlias = tuple[Any, Resolver]

#: Base URI of a collection schema that has no ``$id`` (its "#/$defs/..." refs resolve here).
DEFAULT_BASE_URI = "urn:convergence-jupyter:collection-schema"

#: Keywords whose verdict on a value depends on the values of its descendants, or that decide
#: which sub-schema a child gets from its siblings: a container carrying one is validated whole.
_VALUE_DEPENDENT = frozenset(
    {
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        "dependentSchemas",
        "unevaluatedProperties",
        "unevaluatedItems",
        "enum",
        "const",
        "contains",
        "minContains",
        "maxContains",
        "uniqueItems",
        "$dynamicRef",
        "$recursiveRef",
    }
)

#: Container keywords that look at its keys or length only (kept in the shallow check).
_SHAPE_KEYWORDS = (
    "type",
    "required",
    "minProperties",
    "maxProperties",
    "propertyNames",
    "dependentRequired",
    "minItems",
    "maxItems",
)

#: Most memoised child-schema look-ups (object keys are open-ended).
_MAX_CACHED_STEPS = 8192


class InvalidCollectionSchema(ValueError):
    """The schema itself is not a valid draft 2020-12 schema, or a ``$ref`` cannot be found."""


@dataclass(frozen=True, slots=True)
class SchemaViolation(Exception):
    """A value breaks the schema: where (a JSON path into the model), which rule, and why."""

    path: JsonPath
    keyword: str
    message: str

    @property
    def pointer(self) -> str:
        """The path as a JSON Pointer (RFC 6901), "" for the model's root."""
        return "".join("/" + str(step).replace("~", "~0").replace("/", "~1") for step in self.path)

    def __str__(self) -> str:
        return f"schema violation at '{self.pointer or '/'}' ({self.keyword}): {self.message}"

    def as_dict(self) -> dict[str, str]:
        return {"path": self.pointer or "/", "keyword": self.keyword, "message": self.message}


@dataclass(frozen=True, slots=True)
class _Governing:
    """Where to validate for a change at some path: ``depth`` levels down the path (the
    changed node itself, or the shallowest value-dependent ancestor), against ``schemas``
    (a conjunction, ``$ref`` and ``allOf`` already expanded)."""

    depth: int
    schemas: tuple[_Scoped, ...]
    #: The node at ``depth`` is the changed node (no ancestor forced a wider check).
    at_target: bool


class CollectionSchema:
    """A collection's schema, prepared for many checks: expanded sub-schemas and validators
    are memoised per schema node, so a check costs a walk down the path and one validation."""

    def __init__(self, schema: Mapping[str, Any] | bool) -> None:
        self.document: Any = schema if isinstance(schema, bool) else dict(schema)
        try:
            Draft202012Validator.check_schema(self.document)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path)
            raise InvalidCollectionSchema(
                f"not a draft 2020-12 schema (at '/{where}'): {exc.message}"
            ) from None
        resource = DRAFT202012.create_resource(self.document)
        base = resource.id() or DEFAULT_BASE_URI
        self._registry: Registry[Any] = Registry().with_resource(base, resource).crawl()
        self._root_resolver = self._registry.resolver(base_uri=base)
        self._validator = Draft202012Validator(self.document, registry=self._registry)
        self._validators: dict[int, Draft202012Validator] = {}
        self._expanded: dict[int, tuple[_Scoped, ...]] = {}
        self._steps: dict[tuple[tuple[int, ...], PathStep], tuple[_Scoped, ...]] = {}
        self._shallow: dict[tuple[int, ...], tuple[_Scoped, ...]] = {}
        self._check_refs(self.document, self._root_resolver)
        self._root = self._expand([(self.document, self._root_resolver)])

    @classmethod
    def from_json(cls, text: str) -> CollectionSchema:
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise InvalidCollectionSchema(f"not JSON: {exc}") from None
        if not isinstance(parsed, dict | bool):
            raise InvalidCollectionSchema("a schema is an object or a boolean")
        return cls(parsed)

    def to_json(self) -> str:
        return json.dumps(self.document, sort_keys=True, separators=(",", ":"))

    # -- checks --------------------------------------------------------------------------------

    def validate_document(self, document: Any) -> SchemaViolation | None:
        """The whole model (creation, a schema change): the first violation, or None."""
        return self._first_violation((), self._root, document)

    def check_value(self, path: JsonPath, value_at: Callable[[int], Any]) -> SchemaViolation | None:
        """The value at ``path`` changed (a scalar edit, or a new/replaced subtree) while its
        parent kept its keys and length. ``value_at(d)`` gives the value at ``path[:d]``."""
        governing = self.governing(path)
        depth = governing.depth
        return self._first_violation(path[:depth], governing.schemas, value_at(depth))

    def check_container(
        self,
        path: JsonPath,
        value_at: Callable[[int], Any],
        *,
        reindexed: bool = False,
        shape: Callable[[], Any] | None = None,
    ) -> SchemaViolation | None:
        """The container at ``path`` gained, lost or (``reindexed``) reordered children; new
        children are checked apart with :meth:`check_value`. Only its shape keywords are
        validated, unless its own schema depends on the children's values (or, reindexed,
        on their positions via ``prefixItems``): then the container whole. ``shape()`` may
        give the container with every child replaced by None (all the shape check needs:
        building the plain value of a 1,000-cell array is what would cost)."""
        governing = self.governing(path)
        depth = governing.depth
        if not governing.at_target:
            return self._first_violation(path[:depth], governing.schemas, value_at(depth))
        schemas = governing.schemas
        deep = _value_dependent(schemas) or (
            reindexed and any(isinstance(s, dict) and "prefixItems" in s for s, _ in schemas)
        )
        if deep:
            return self._first_violation(path, schemas, value_at(depth))
        container = shape() if shape is not None else value_at(depth)
        return self._first_violation(path, self._shallow_of(schemas), container)

    # -- resolution ----------------------------------------------------------------------------

    def governing(self, path: JsonPath) -> _Governing:
        """Which schemas a change at ``path`` must be validated against, and at which depth."""
        schemas = self._root
        for depth, step in enumerate(path):
            if _value_dependent(schemas):
                return _Governing(depth, schemas, at_target=False)
            schemas = self._child(schemas, step)
        return _Governing(len(path), schemas, at_target=True)

    def subschemas(self, path: JsonPath) -> list[Any]:
        """The (expanded) schemas that govern ``path`` on their own; [] means anything goes.
        Raises ``LookupError`` if an ancestor's schema cannot be split by position."""
        governing = self.governing(path)
        if not governing.at_target:
            raise LookupError(f"'{_pointer(path[: governing.depth])}' is validated whole")
        return [s for s, _ in governing.schemas if s is not True]

    def _child(self, schemas: tuple[_Scoped, ...], step: PathStep) -> tuple[_Scoped, ...]:
        if not schemas:
            return schemas
        key = (tuple(id(s) for s, _ in schemas), _step_class(schemas, step))
        found = self._steps.get(key)
        if found is None:
            children: list[_Scoped] = []
            for schema, resolver in schemas:
                children.extend(_child_schemas(schema, resolver, step))
            found = self._expand(children)
            if len(self._steps) >= _MAX_CACHED_STEPS:
                self._steps.clear()
            self._steps[key] = found
        return found

    def _expand(self, schemas: Iterable[_Scoped]) -> tuple[_Scoped, ...]:
        """Follow ``$ref`` and ``allOf`` into one flat conjunction; drop ``true``s."""
        out: list[_Scoped] = []
        seen: set[int] = set()
        stack = list(reversed(list(schemas)))
        while stack:
            schema, resolver = stack.pop()
            if schema is True or id(schema) in seen:
                continue
            seen.add(id(schema))
            if isinstance(schema, dict) and "$id" in schema and schema is not self.document:
                resolver = resolver.in_subresource(DRAFT202012.create_resource(schema))
            out.append((schema, resolver))
            if not isinstance(schema, dict):
                continue
            nested: list[_Scoped] = [(s, resolver) for s in schema.get("allOf", ())]
            if "$ref" in schema:
                resolved = resolver.lookup(schema["$ref"])
                nested.append((resolved.contents, resolved.resolver))
            stack.extend(reversed(nested))
        return tuple(out)

    def _check_refs(self, schema: Any, resolver: Resolver) -> None:
        """Every ``$ref`` must resolve now, so a bad schema is refused when it is set."""
        stack: list[_Scoped] = [(schema, resolver)]
        while stack:
            node, scope = stack.pop()
            if isinstance(node, dict):
                if "$id" in node and node is not self.document:
                    scope = scope.in_subresource(DRAFT202012.create_resource(node))
                if isinstance(node.get("$ref"), str):
                    try:
                        scope.lookup(node["$ref"])
                    except (Unresolvable, LookupError) as exc:
                        raise InvalidCollectionSchema(f"unresolvable $ref: {exc}") from None
                stack.extend((v, scope) for k, v in node.items() if k not in ("enum", "const"))
            elif isinstance(node, list):
                stack.extend((v, scope) for v in node)

    # -- validation ----------------------------------------------------------------------------

    def _shallow_of(self, schemas: tuple[_Scoped, ...]) -> tuple[_Scoped, ...]:
        key = tuple(id(s) for s, _ in schemas)
        found = self._shallow.get(key)
        if found is None:
            found = tuple((_shape_only(s), r) for s, r in schemas if isinstance(s, dict))
            self._shallow[key] = found
        return found

    def _first_violation(
        self, at: JsonPath, schemas: Sequence[_Scoped], value: Any
    ) -> SchemaViolation | None:
        errors: list[ValidationError] = []
        for schema, resolver in schemas:
            errors.extend(self._validator_for(schema, resolver).iter_errors(value))
        if not errors:
            return None
        error = best_match(errors)
        return _violation(at, error)

    def _validator_for(self, schema: Any, resolver: Resolver) -> Draft202012Validator:
        found = self._validators.get(id(schema))
        if found is None:
            found = self._validator.evolve(schema=schema, _resolver=resolver)
            self._validators[id(schema)] = found
        return found

    def iter_violations(self, document: Any) -> Iterator[SchemaViolation]:
        """Every violation of the whole model (for reports), best first per location."""
        for error in self._validator.iter_errors(document):
            yield _violation((), error)


def _value_dependent(schemas: Iterable[_Scoped]) -> bool:
    return any(
        isinstance(schema, dict) and not _VALUE_DEPENDENT.isdisjoint(schema)
        for schema, _ in schemas
    )


def _step_class(schemas: tuple[_Scoped, ...], step: PathStep) -> PathStep:
    """Array indices past every ``prefixItems`` share one memo entry (``items`` governs)."""
    if isinstance(step, int):
        prefix = max(
            (len(s.get("prefixItems", ())) for s, _ in schemas if isinstance(s, dict)), default=0
        )
        return step if step < prefix else -1
    return step


def _child_schemas(schema: Any, resolver: Resolver, step: PathStep) -> list[_Scoped]:
    """The schemas one schema gives the child at ``step`` (of an object or an array)."""
    if schema is False:
        return [(False, resolver)]
    if not isinstance(schema, dict):
        return []
    if isinstance(step, int):
        prefix = schema.get("prefixItems", [])
        if step < len(prefix):
            return [(prefix[step], resolver)]
        if "items" in schema:
            return [(schema["items"], resolver)]
        return []
    found: list[Any] = []
    properties = schema.get("properties", {})
    if step in properties:
        found.append(properties[step])
    for pattern, sub in schema.get("patternProperties", {}).items():
        if re.search(pattern, step):
            found.append(sub)
    if not found and "additionalProperties" in schema:
        found.append(schema["additionalProperties"])
    return [(s, resolver) for s in found]


def _shape_only(schema: dict[str, Any]) -> dict[str, Any]:
    """The keywords of ``schema`` that judge a container by its keys and length only."""
    shape = {k: schema[k] for k in _SHAPE_KEYWORDS if k in schema}
    if schema.get("additionalProperties") is False:
        shape["properties"] = dict.fromkeys(schema.get("properties", {}), True)
        if "patternProperties" in schema:
            shape["patternProperties"] = dict.fromkeys(schema["patternProperties"], True)
        shape["additionalProperties"] = False
    if schema.get("items") is False:
        shape["prefixItems"] = [True] * len(schema.get("prefixItems", []))
        shape["items"] = False
    return shape


def _violation(at: JsonPath, error: ValidationError) -> SchemaViolation:
    # A ``false`` schema (say, an ``items: false`` past ``prefixItems``) has no keyword.
    keyword = "false" if error.validator is None else str(error.validator)
    return SchemaViolation(at + tuple(error.absolute_path), keyword, error.message)


def _pointer(path: JsonPath) -> str:
    return SchemaViolation(path, "", "").pointer or "/"
