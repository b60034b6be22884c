"""A login the server is slow to answer is not cut off by the handshake timeout.

The handshake timeout is for clients that never send a ``connectionRequest``. When the
request has arrived and the server itself is slow (here: another process holds SQLite's write
lock for longer than the timeout, as a busy database right after a restart would), closing
the socket would blame the client for our wait; the rc.12 client then mistakes that close for
a drop of the connection it has meanwhile opened and loses a model resync for good.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from tests.realtime.conftest import LIMITS, ClientFactory

#: Longer than the handshake timeout (1 s), shorter than SQLite's busy timeout (5 s).
LOCK_SECONDS = 2.5


async def test_a_slow_login_completes_after_the_handshake_timeout(
    open_client: ClientFactory, tmp_path: Path
) -> None:
    warm = await open_client()
    await warm.connect_anonymously("first")  # the database and the default domain exist
    blocker = sqlite3.connect(tmp_path / "convergence.db", isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # the write lock a login needs
        asyncio.get_running_loop().call_later(LOCK_SECONDS, blocker.rollback)
        client = await open_client()
        started = asyncio.get_running_loop().time()
        reply = await client.connect_anonymously("slow")
        waited = asyncio.get_running_loop().time() - started
    finally:
        blocker.close()
    assert waited > LIMITS["handshake_timeout"], waited  # the login really was slow
    assert reply.connectionResponse.success.sessionId
    assert await client.round_trip_ok()
