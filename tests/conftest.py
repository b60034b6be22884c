"""Suite-wide set-up: the pytest-jupyter server fixtures, hypothesis profiles, test order."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

pytest_plugins = ["pytest_jupyter.jupyter_server"]

# CI runs are reproducible; `--hypothesis-profile=long` explores far more cases on demand.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("dev", deadline=None)
settings.register_profile("long", max_examples=20_000, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


#: Files that run for minutes. Under ``--dist loadfile`` each file goes to one worker in
#: collection order, so when these come last (as their folders sort) one worker works through
#: them alone while the other idles; started first, they overlap with everything else.
LONG_FILES_FIRST = (
    "tests/realtime/test_protocol_state_machine.py",
    "tests/soak/test_soak.py",
    "tests/binder/test_binder.py",
    "tests/e2e/test_models_durability.py",
    "tests/browser/test_coedit.py",
    "tests/realtime/test_frame_fuzz.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Schedule the long files first (a stable sort: every other order is kept)."""
    rank = {path: i for i, path in enumerate(LONG_FILES_FIRST)}
    root = config.rootpath

    def key(item: pytest.Item) -> int:
        relative = item.path.relative_to(root).as_posix() if item.path.is_relative_to(root) else ""
        return rank.get(relative, len(rank))

    items.sort(key=key)
