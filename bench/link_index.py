"""The per-commit cost of keeping the model link index (issue 12) on a 1,000-cell notebook.

After each committed batch the server tests the snapshot text it has just written for
``"$ref"`` and, only when it is there (or the model had links), walks the tree for links
(``models/link_index.py``). Prints, per batch, the snapshot serialisation every commit already
pays, the marker test (a model without links) and the walk (a model with links), in one run.

    .venv/bin/python bench/link_index.py [--cells 1000] [--every 10] [--repeat 20]
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable
from typing import Any

from schema_check import cell  # type: ignore[import-not-found]

from convergence_jupyter import ot
from convergence_jupyter.models.links import REF_MARKER, find_links
from convergence_jupyter.models.persistence import snapshot_to_json


def notebook(cells: int, every: int) -> ot.ObjectValue:
    """Cells as in bench/schema_check.py; every ``every``-th (0: none) links to a model."""
    data: list[dict[str, Any]] = []
    for number in range(cells):
        c = cell(number)
        if every and number % every == 0:
            c["metadata"]["see"] = {"$ref": {"collection": "docs", "id": f"m{number}"}}
        data.append(c)
    counter = itertools.count()
    root = ot.from_plain({"cells": data, "metadata": {}}, lambda: f"0:{next(counter)}")
    assert isinstance(root, ot.ObjectValue)
    return root


def per_call(repeat: int, work: Callable[[], object]) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        work()
    return (time.perf_counter() - started) / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--every", type=int, default=10, help="a link in every n-th cell")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    plain, linked = notebook(args.cells, 0), notebook(args.cells, args.every)
    text = snapshot_to_json(plain)
    snapshot = per_call(args.repeat, lambda: snapshot_to_json(plain))
    marker = per_call(args.repeat * 10, lambda: REF_MARKER in text)
    walk = per_call(args.repeat, lambda: find_links(linked))
    count = len(find_links(linked))
    print(f"{args.cells}-cell notebook model, per committed batch:")
    print(f"  snapshot to JSON (already paid)   {snapshot * 1e3:8.2f} ms  ({len(text)} chars)")
    print(f"  no links: '$ref' marker test      {marker * 1e3:8.3f} ms")
    print(f"  {count} links: find_links walk       {walk * 1e3:8.2f} ms")
    print(f"  walk / snapshot: {walk / snapshot:.2f}")


if __name__ == "__main__":
    main()
