"""Fixtures for the browser tests: a real ``jupyter lab`` and two Chromium users.

Chromium is Debian's (``/usr/bin/chromium``, or ``CONVERGENCE_CHROMIUM``); Playwright never
downloads a browser. Tests skip, saying why, when Chromium, Node.js or Playwright is missing.
Screenshots go to ``test-artifacts/browser/`` at the repository root.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .labserver import LABEXT_DIR, REPO_ROOT, LabServer, build_labextension, prebuilt_is_stale, tail

CHROMIUM = os.environ.get("CONVERGENCE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser: {CHROMIUM} not found (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def labextension_built() -> None:
    """The repo's labextension build, rebuilt when a source is newer (needs Node.js)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        if prebuilt_is_stale():
            pytest.skip("browser: the labextension is not built and Node.js/npm is missing")
        return
    if prebuilt_is_stale() or not (LABEXT_DIR / "node_modules").is_dir():
        build_labextension()


# Module scope: Playwright's sync API marks its event loop as running in this thread while it
# is alive, which would break pytest-jupyter's loop fixtures in the test modules after ours.
@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser: the Python 'playwright' package is not installed")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright_instance: Any, chromium_path: str) -> Iterator[Any]:
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def lab(
    labextension_built: None, chromium_path: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LabServer]:
    server = LabServer(tmp_path_factory.mktemp("lab"))
    server.start()
    yield server
    server.stop()
    errors = [
        line
        for line in server.log_path.read_text(errors="replace").splitlines()
        if "Traceback" in line or " ERROR " in line or "[E " in line
    ]
    if errors:
        print(f"server-side errors in {server.log_path}:\n" + "\n".join(errors[:20]))


def make_notebook(lab: LabServer, name: str, sources: list[str]) -> str:
    """Writes an nbformat 4.5 notebook with code cells and returns its contents path."""
    cells = [
        {
            "id": uuid.uuid4().hex[:8],
            "cell_type": "code",
            "source": src,
            "metadata": {},
            "outputs": [],
            "execution_count": None,
        }
        for src in sources
    ]
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "cells": cells,
    }
    (lab.root_dir / name).write_text(json.dumps(nb, indent=1))
    return name


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    path = ARTIFACTS / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def server_log(lab: LabServer) -> Iterator[None]:
    """Appends the server log's tail to a failing test's output."""
    yield
    print(f"--- {lab.log_path} ---\n{tail(lab.log_path, 40)}")


# Playwright's sync API runs its own event loop in this thread; pytest-jupyter's autouse loop
# and server-cleanup fixtures would try to close or run on it. These tests start their server
# as a subprocess and need neither.
@pytest.fixture
def jp_asyncio_loop() -> Iterator[None]:
    yield None


@pytest.fixture(autouse=True)
def jp_server_cleanup() -> Iterator[None]:
    yield
