"""The opt-in switch for long runs: tests marked ``long`` skip unless the run says ``-m long``."""

from __future__ import annotations

import pytest


def is_long_run(request: pytest.FixtureRequest) -> bool:
    return "long" in (request.config.getoption("markexpr") or "")


def require_long(request: pytest.FixtureRequest) -> None:
    if not is_long_run(request):
        pytest.skip("long run: opt in with -m long")
