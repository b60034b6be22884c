"""convergence-jupyter: the Convergence real-time collaboration engine for Jupyter."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from convergence_jupyter.app import ConvergenceApp

    return [{"module": "convergence_jupyter", "app": ConvergenceApp}]
