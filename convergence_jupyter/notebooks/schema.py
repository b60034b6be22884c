"""A collection schema for notebook models, derived from nbformat's own JSON schema (v4.5).

Our notebook model (CONTRACT.md §3) is an nbformat v4.5 notebook plus an informational
``path`` at the root, with every cell ``source`` a single string (nbformat's
``multiline_string`` accepts that) and numbers stored as doubles (``4.0`` is a JSON Schema
integer). So nbformat's schema applies nearly as it is: it is lifted to draft 2020-12 (its
keywords are a subset that means the same there) and gets the ``path`` property.

Not installed by default: set it on the notebooks collection when wanted (the module prints
the request body)::

    python -m convergence_jupyter.notebooks.schema > nb-schema.json
    convergence-jupyter api collections set-collection-schema --collection-id notebooks \\
        --data @nb-schema.json
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


@cache
def _nbformat_schema() -> dict[str, Any]:
    text = resources.files("nbformat.v4").joinpath("nbformat.v4.5.schema.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def notebook_model_schema() -> dict[str, Any]:
    """nbformat v4.5's schema, mapped onto the notebook model's layout (a fresh copy)."""
    schema = copy.deepcopy(_nbformat_schema())
    schema["$schema"] = DRAFT_2020_12
    schema["description"] = "A notebook model: nbformat v4.5 plus the contents path."
    schema["properties"]["path"] = {"description": "The contents path.", "type": "string"}
    return schema


if __name__ == "__main__":
    print(json.dumps({"json_schema": notebook_model_schema()}, indent=1, sort_keys=True))
