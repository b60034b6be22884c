"""Summarise a py-spy ``--format raw`` (collapsed stacks) profile: top self and inclusive frames.

Usage: ``python bench/profile_summary.py PROFILE.txt [--top N] [--match TEXT]``. Idle samples
(the event loop waiting in ``select``/``epoll``) are reported separately so that the shares are
of busy time.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

_IDLE = ("select (selectors.py", "poll (selectors.py", "_worker (concurrent/futures/thread.py")


def _short(frame: str) -> str:
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path, _, line = where.rpartition(":")
    parts = path.split("/")
    return f"{name} ({'/'.join(parts[-2:])}:{line})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--match", default="", help="only stacks containing this text")
    args = parser.parse_args()
    self_counts: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    busy = idle = 0
    for line in args.profile.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        if args.match and args.match not in stack:
            continue
        count = int(count_text)
        frames = stack.split(";")
        if any(marker in frames[-1] for marker in _IDLE):
            idle += count
            continue
        busy += count
        self_counts[_short(frames[-1])] += count
        for frame in set(frames):
            incl[_short(frame)] += count
    total = busy + idle
    print(f"samples: {total}, busy {busy} ({100 * busy / max(total, 1):.0f}%), idle {idle}")
    print(f"\n-- self (top {args.top}, % of busy)")
    for frame, count in self_counts.most_common(args.top):
        print(f"{100 * count / max(busy, 1):5.1f}%  {frame}")
    print(f"\n-- inclusive (top {args.top}, % of busy)")
    for frame, count in incl.most_common(args.top):
        print(f"{100 * count / max(busy, 1):5.1f}%  {frame}")


if __name__ == "__main__":
    main()
