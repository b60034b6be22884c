"""Start ``jupyter convergence`` exactly as a user would, plus one benchmark hook.

The only difference from the ``jupyter-convergence`` entry point: SIGUSR2 runs a full
``gc.collect()`` so that the benchmark can read RSS after a forced collection (the protocol's
"after gc" column; the Node peer does the same with ``global.gc()``).
"""

from __future__ import annotations

import gc
import signal
import sys
from types import FrameType

from convergence_jupyter.app import main


def _collect(signum: int, frame: FrameType | None) -> None:
    gc.collect()


if __name__ == "__main__":
    signal.signal(signal.SIGUSR2, _collect)
    main(sys.argv[1:])
