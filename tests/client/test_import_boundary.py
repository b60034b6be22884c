"""The client is usable without the server: it imports only ``protocol/`` and ``ot/`` of ours."""

from __future__ import annotations

import subprocess
import sys

ALLOWED = ("convergence_jupyter.client", "convergence_jupyter.protocol", "convergence_jupyter.ot")


def test_client_imports_no_server_module() -> None:
    # A fresh interpreter, so modules other tests imported cannot hide an import.
    code = (
        "import sys, convergence_jupyter.client\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('convergence_jupyter')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "convergence_jupyter.client.model" in out
    foreign = [
        m
        for m in out
        if m != "convergence_jupyter" and not any(m == a or m.startswith(a + ".") for a in ALLOWED)
    ]
    assert foreign == []
    for heavy in ("jupyter_server", "sqlalchemy"):
        assert (
            heavy
            not in subprocess.run(
                [sys.executable, "-c", code.replace("'convergence_jupyter'", repr(heavy))],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
        )
