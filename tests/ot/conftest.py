"""Hypothesis profiles for the OT tests and the shared client-oracle fixture.

Profiles: ``default`` (random), ``ci`` (derandomised; chosen automatically when ``CI`` is set) and
``long`` (many more examples; select with ``HYPOTHESIS_PROFILE=long`` and run ``-m long``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from .oracle import ClientOracle, oracle_unavailable_reason

settings.register_profile("default", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.register_profile(
    "long", deadline=None, max_examples=100_000, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)


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
