"""nbformat <-> model data and cell-id assignment."""

from __future__ import annotations

from typing import Any

import nbformat
import pytest

from convergence_jupyter.notebooks.mapping import (
    InvalidNotebook,
    assign_ids,
    data_to_notebook,
    notebook_to_data,
)

from .conftest import make_notebook


def test_round_trip_is_valid_and_int_typed() -> None:
    nb = make_notebook([("a", "code", "x = '😀'"), ("b", "markdown", "*é*")])
    nb["cells"][0]["execution_count"] = 2
    nb["cells"][0]["outputs"] = [
        {
            "output_type": "execute_result",
            "execution_count": 2,
            "data": {"text/plain": "2"},
            "metadata": {},
        },
    ]
    data = notebook_to_data(nb, "a.ipynb")
    # The model stores doubles: simulate that, then write back.
    data["cells"][0]["execution_count"] = 2.0
    data["cells"][0]["outputs"][0]["execution_count"] = 2.0
    back = data_to_notebook(data)
    nbformat.validate(nbformat.from_dict(back))
    assert back["cells"][0]["execution_count"] == 2
    assert isinstance(back["cells"][0]["outputs"][0]["execution_count"], int)
    assert [c["id"] for c in back["cells"]] == ["a", "b"]
    assert back["cells"][0]["source"] == "x = '😀'"


def test_invalid_model_data_is_refused() -> None:
    good = notebook_to_data(make_notebook([("a", "code", "x")]), "a.ipynb")
    for broken in (
        {**good, "cells": "no"},
        {**good, "cells": [{**good["cells"][0], "cell_type": "weird"}]},
        {**good, "cells": [{**good["cells"][0], "id": "bad id!"}]},
        {**good, "cells": [good["cells"][0], good["cells"][0]]},
        {**good, "cells": [{**good["cells"][0], "outputs": [{"output_type": "nope"}]}]},
    ):
        with pytest.raises(InvalidNotebook):
            data_to_notebook(broken)
    with pytest.raises(InvalidNotebook):
        notebook_to_data({"nbformat": 3, "cells": []}, "old.ipynb")


def test_cells_without_ids_inherit_the_ids_of_matching_base_cells() -> None:
    base = notebook_to_data(
        make_notebook([("a", "code", "one"), ("b", "code", "two"), ("c", "code", "three")]),
        "n.ipynb",
    )
    # A tool rewrote the file without ids, editing "two" and adding a cell at the end.
    cells: list[dict[str, Any]] = [
        {"cell_type": "code", "source": "one"},
        {"cell_type": "code", "source": "two!"},
        {"cell_type": "code", "source": "three"},
        {"cell_type": "code", "source": "four"},
    ]
    ids = assign_ids(cells, base)
    assert ids[:3] == ["a", "b", "c"]
    assert ids[3] not in {"a", "b", "c"}


def test_duplicate_ids_on_disk_are_made_unique() -> None:
    ids = assign_ids([{"id": "x"}, {"id": "x"}, {"id": "bad id"}])
    assert ids[0] == "x" and len(set(ids)) == 3
