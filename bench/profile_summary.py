"""Summarise a py-spy ``--format raw`` (collapsed stacks) profile: top self and inclusive frames.

Usage: ``python bench/profile_summary.py PROFILE.txt [--top N] [--match TEXT]``. Idle samples
(the event loop waiting in ``select``/``epoll``) are reported separately so that the shares are
of busy time.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

#: Buckets for ``--groups``: the first whose marker occurs anywhere in a stack takes the sample.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "persistence: group commit via SQLAlchemy + aiosqlite thread",
        ("ModelPersistence.commit", "aiosqlite"),
    ),
    ("other database work", ("sqlalchemy",)),
    ("broadcast: build + encode + queue frames", ("LiveModel._deliver",)),
    ("socket writes (joined frames)", ("CoalescingTransport.flush", "write_to_fd")),
    ("OT: preprocess/transform/apply", ("/ot/", "concurrency.py")),
    (
        "inbound: read, decode, dispatch",
        ("read_from_fd", "on_message", "_receive_frame", "receive_binary", "_process_inbox"),
    ),
)

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
    parser.add_argument("--groups", action="store_true", help="share of busy time per bucket")
    args = parser.parse_args()
    groups: Counter[str] = Counter()
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
        groups[next((g for g, marks in GROUPS if any(m in stack for m in marks)), "other")] += count
        self_counts[_short(frames[-1])] += count
        for frame in set(frames):
            incl[_short(frame)] += count
    total = busy + idle
    print(f"samples: {total}, busy {busy} ({100 * busy / max(total, 1):.0f}%), idle {idle}")
    if args.groups:
        print("\n-- buckets (% of busy)")
        for group, count in groups.most_common():
            print(f"{100 * count / max(busy, 1):5.1f}%  {group}")
    print(f"\n-- self (top {args.top}, % of busy)")
    for frame, count in self_counts.most_common(args.top):
        print(f"{100 * count / max(busy, 1):5.1f}%  {frame}")
    print(f"\n-- inclusive (top {args.top}, % of busy)")
    for frame, count in incl.most_common(args.top):
        print(f"{100 * count / max(busy, 1):5.1f}%  {frame}")


if __name__ == "__main__":
    main()
