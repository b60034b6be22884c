"""The labextension's own unit tests (``npm test``: Node's test runner on the pure helpers)."""

from __future__ import annotations

import shutil
import subprocess

from .labserver import LABEXT_DIR


def test_labextension_unit_tests(labextension_built: None) -> None:
    npm = shutil.which("npm")
    assert npm is not None  # labextension_built skipped otherwise
    result = subprocess.run(
        [npm, "test"], cwd=LABEXT_DIR, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
