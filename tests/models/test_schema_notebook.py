"""The notebook model schema derived from nbformat's (notebooks/schema.py): notebooks as our
mapping lays them out conform; installed on the notebooks collection, a keystroke is checked
against its cell only (nbformat's cell ``oneOf`` is validated whole, not the notebook), and
ops that break nbformat's rules are refused with path and keyword."""

from __future__ import annotations

import itertools

import nbformat

from convergence_jupyter import ot
from convergence_jupyter.models.schema import CollectionSchema
from convergence_jupyter.notebooks.mapping import notebook_to_data
from convergence_jupyter.notebooks.schema import notebook_model_schema

from .conftest import RunWorld, World
from .schema_fixtures import id_at
from .test_schema_service import open_with, stored, submit, with_schema

CHECKER = CollectionSchema(notebook_model_schema())


def sample() -> dict[str, object]:
    v4 = nbformat.v4
    nb = v4.new_notebook(
        cells=[
            v4.new_code_cell(
                "x = 1", outputs=[v4.new_output("stream", text="1\n")], execution_count=1
            ),
            v4.new_markdown_cell("# Title"),
            v4.new_raw_cell("raw"),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )
    return notebook_to_data(nb, "dir/a.ipynb")


def test_mapped_notebooks_conform_and_a_keystroke_checks_its_cell_only() -> None:
    assert CHECKER.validate_document(sample()) is None
    governing = CHECKER.governing(("cells", 1, "source"))
    assert governing.depth == 2 and not governing.at_target  # the cell, not the notebook


def test_nbformat_rules_are_enforced_per_op(run_world: RunWorld) -> None:
    async def body(w: World) -> None:
        await with_schema(w, notebook_model_schema())
        data = sample()
        counter = itertools.count()

        def value(plain: object) -> ot.DataValue:
            return ot.from_plain(plain, lambda: f"n:{next(counter)}")

        cases = [
            (
                lambda t: ot.StringSplice(
                    id=id_at(t, "cells", 0, "source"), index=0, insert_value="y"
                ),
                None,
            ),
            (
                lambda t: ot.ObjectSetProperty(
                    id=id_at(t, "cells", 1), key="cell_type", value=value("sql")
                ),
                "/cells/1",
            ),
            (lambda t: ot.ObjectRemoveProperty(id=id_at(t, "cells", 0), key="id"), "/cells/0"),
            (
                lambda t: ot.ObjectSetProperty(id=t.root.id, key="nbformat", value=value(3)),
                "/nbformat",
            ),
            (
                lambda t: ot.ObjectSetProperty(
                    id=id_at(t, "cells", 0), key="execution_count", value=value(-1)
                ),
                "/cells/0",
            ),
            (
                lambda t: ot.ArrayInsert(
                    id=id_at(t, "cells"), index=0, value=value({"cell_type": "code"})
                ),
                "/cells/0",
            ),
        ]
        for number, (build, pointer) in enumerate(cases):
            model_id = f"nb{number}"
            s = await w.session()
            rid = (await open_with(w, s, model_id, data)).resourceId
            await submit(w, s, rid, 1, 0, build(w.service._live[model_id].tree))
            version, after = await stored(w, model_id)
            assert CHECKER.validate_document(after) is None
            if pointer is None:
                assert s.errors == [] and version == 1
            else:
                assert s.errors and s.errors[0][0] == "schema_violation", number
                assert f"'{pointer}" in s.errors[0][1], s.errors[0][1]
                assert version == 0 and after == data

    run_world(body)
