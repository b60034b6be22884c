"""The shared client-oracle fixture and the opt-in switch for long runs.

Hypothesis profiles come from the suite-wide ``tests/conftest.py``: ``ci`` (derandomised, chosen
when ``CI`` is set) and ``long``. Example counts here scale with ``OT_*`` environment variables.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .oracle import ClientOracle, oracle_unavailable_reason


@pytest.fixture(scope="session")
def client_oracle() -> Iterator[ClientOracle]:
    reason = oracle_unavailable_reason()
    if reason is not None:
        pytest.skip(f"client oracle unavailable: {reason}")
    oracle = ClientOracle()
    yield oracle
    oracle.close()


@pytest.fixture
def long_run(request: pytest.FixtureRequest) -> None:
    """Skip unless the run opted in to long tests with ``-m long``."""
    if "long" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("long run: opt in with -m long")
