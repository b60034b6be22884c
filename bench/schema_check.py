"""The per-op cost of a collection schema (issue 12) on a 1,000-cell notebook-shaped model.

The same op stream (mostly keystrokes in cell sources, some cell inserts, removes and moves)
is applied in memory as the model serializer applies it (preprocess, apply), once without a
schema, once with the incremental check (``models/schema_guard.check_applied``), and, for
scale, with a validation of the whole document after each op (what the incremental check
avoids). Prints ops/s of each, in one run.

    .venv/bin/python bench/schema_check.py [--cells 1000] [--ops 20000] [--seed 1]
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from collections.abc import Callable
from typing import Any

from convergence_jupyter import ot
from convergence_jupyter.models.schema import CollectionSchema
from convergence_jupyter.models.schema_guard import check_applied

#: The notebook model's layout (notebooks/CONTRACT.md §3) as a schema.
NOTEBOOK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["nbformat", "nbformat_minor", "metadata", "cells"],
    "properties": {
        "path": {"type": "string"},
        "nbformat": {"type": "number", "minimum": 4, "maximum": 4},
        "nbformat_minor": {"type": "number", "minimum": 5},
        "metadata": {"type": "object"},
        "cells": {"type": "array", "items": {"$ref": "#/$defs/cell"}},
    },
    "additionalProperties": False,
    "$defs": {
        "cell": {
            "type": "object",
            "required": ["id", "cell_type", "source", "metadata"],
            "properties": {
                "id": {"type": "string", "pattern": "^[a-zA-Z0-9-_]+$", "maxLength": 64},
                "cell_type": {"enum": ["code", "markdown", "raw"]},
                "source": {"type": "string"},
                "metadata": {"type": "object"},
                "outputs": {"type": "array", "items": {"type": "object"}},
                "execution_count": {"type": ["number", "null"]},
                "attachments": {"type": "object"},
            },
            "additionalProperties": False,
        }
    },
}


def cell(number: int) -> dict[str, Any]:
    return {
        "id": f"cell-{number}",
        "cell_type": "code",
        "source": f"x_{number} = {number}\nprint(x_{number})\n",
        "metadata": {"tags": []},
        "outputs": [{"output_type": "stream", "name": "stdout", "text": f"{number}\n"}],
        "execution_count": float(number),
    }


def notebook(cells: int) -> ot.ObjectValue:
    counter = itertools.count()
    data = {
        "path": "bench.ipynb",
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3"}},
        "cells": [cell(i) for i in range(cells)],
    }
    root = ot.from_plain(data, lambda: f"0:{next(counter)}")
    assert isinstance(root, ot.ObjectValue)
    return root


def next_op(rng: random.Random, tree: ot.ModelTree, fresh: Callable[[Any], ot.DataValue]) -> Any:
    cells = tree.root.children["cells"]
    assert isinstance(cells, ot.ArrayValue)
    size = len(cells.children)
    roll = rng.random()
    if roll < 0.04:
        return ot.ArrayInsert(id=cells.id, index=rng.randrange(size + 1), value=fresh(None))
    if roll < 0.07 and size > 1:
        return ot.ArrayRemove(id=cells.id, index=rng.randrange(size))
    if roll < 0.10:
        return ot.ArrayMove(
            id=cells.id, from_index=rng.randrange(size), to_index=rng.randrange(size)
        )
    target = cells.children[rng.randrange(size)]
    assert isinstance(target, ot.ObjectValue)
    source = target.children["source"]
    assert isinstance(source, ot.StringValue)
    return ot.StringSplice(
        id=source.id, index=rng.randrange(len(source.value) + 1), insert_value=rng.choice("abc ")
    )


def run(cells: int, ops: int, seed: int, mode: str, schema: CollectionSchema) -> tuple[float, int]:
    """ops/s of one mode ("none", "incremental", "whole") and how many ops were refused."""
    tree = ot.ModelTree(notebook(cells))
    rng = random.Random(seed)  # noqa: S311  (bench data, seeded)
    counter = itertools.count()
    numbers = itertools.count(cells)

    def fresh(_: Any) -> ot.DataValue:
        return ot.from_plain(cell(next(numbers)), lambda: f"1:{next(counter)}")

    refused = 0
    started = time.perf_counter()
    for _ in range(ops):
        op = ot.preprocess(tree, next_op(rng, tree, fresh))
        applied = ot.apply(tree, op)
        if mode == "incremental":
            violation = check_applied(schema, tree, applied)
        elif mode == "whole":
            violation = schema.validate_document(ot.to_plain(tree.root))
        else:
            violation = None
        if violation is not None:
            refused += 1
            ot.apply(tree, ot.as_operation(ot.invert(applied)))
    elapsed = time.perf_counter() - started
    return ops / elapsed, refused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--ops", type=int, default=20000)
    parser.add_argument("--whole-ops", type=int, default=100, help="ops for the whole-doc mode")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    schema = CollectionSchema(NOTEBOOK_SCHEMA)
    print(f"{args.cells}-cell notebook model, op mix: 90% source keystrokes, 10% cell ops")
    results = {}
    for mode, count in (
        ("none", args.ops),
        ("incremental", args.ops),
        ("whole", args.whole_ops),
    ):
        rate, refused = run(args.cells, count, args.seed, mode, schema)
        results[mode] = rate
        label = {
            "none": "no schema",
            "incremental": "schema, incremental check",
            "whole": "schema, whole document per op",
        }[mode]
        print(f"  {label:32s} {rate:10.0f} ops/s  ({count} ops, {refused} refused)")
    print(f"  incremental / none: {results['incremental'] / results['none']:.2f}")
    print(f"  incremental / whole: {results['incremental'] / results['whole']:.0f}x faster")


if __name__ == "__main__":
    main()
