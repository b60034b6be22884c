"""Suite-wide fixtures: the pytest-jupyter server fixtures, and hypothesis profiles."""

from __future__ import annotations

import os

from hypothesis import settings

pytest_plugins = ["pytest_jupyter.jupyter_server"]

# CI runs are reproducible; `--hypothesis-profile=long` explores far more cases on demand.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("dev", deadline=None)
settings.register_profile("long", max_examples=20_000, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))
