"""Property tests of the incremental schema check: on random op streams (many of them
violating), the check of only the changed subtrees gives exactly the verdict of validating the
whole document, a refused op leaves the tree as it was, and so the tree never stops conforming.
Pure: no server, no database."""

from __future__ import annotations

import copy
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from convergence_jupyter import ot
from convergence_jupyter.models.schema import CollectionSchema
from convergence_jupyter.models.schema_guard import check_applied

from .schema_fixtures import DATA, SCHEMA, OpMaker, root_of

CHECKER = CollectionSchema(SCHEMA)


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(min_value=5, max_value=40))
def test_incremental_verdict_is_the_whole_document_verdict(rng: random.Random, steps: int) -> None:
    tree = ot.ModelTree(root_of(DATA))
    maker = OpMaker(rng)
    accepted = refused = 0
    for _ in range(steps):
        op = ot.preprocess(tree, maker.op(tree))
        before = copy.deepcopy(ot.to_plain(tree.root))
        try:
            applied = ot.apply(tree, op)
        except ot.InvalidOperationError:
            assert ot.to_plain(tree.root) == before
            continue
        violation = check_applied(CHECKER, tree, applied)
        whole = CHECKER.validate_document(ot.to_plain(tree.root))
        assert (violation is None) == (whole is None), (op, violation, whole)
        if violation is not None:
            ot.apply(tree, ot.as_operation(ot.invert(applied)))
            assert ot.to_plain(tree.root) == before
            refused += 1
        else:
            accepted += 1
        assert CHECKER.validate_document(ot.to_plain(tree.root)) is None
    assert accepted + refused <= steps
