"""Regenerate the Python protobuf modules from our .proto files.

Run after editing anything in ``convergence_jupyter/protocol/schema/*.proto``::

    python scripts/generate_protocol.py

``tests/protocol/test_generated_modules_fresh.py`` fails when the checked-in modules no longer
match what this script produces, so a schema edit cannot land without its generated code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = Path("convergence_jupyter/protocol/schema")


def generate(out_dir: Path) -> None:
    """Compile every schema file into ``out_dir`` (which mirrors the repository root)."""
    import grpc_tools

    well_known = Path(grpc_tools.__file__).parent / "_proto"
    sources = sorted(str(p) for p in SCHEMA_DIR.glob("*.proto"))
    args = [
        "protoc",
        "-I.",
        f"-I{well_known}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        *sources,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")


if __name__ == "__main__":
    import os

    os.chdir(ROOT)
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT)
