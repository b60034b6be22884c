"""Offline models of the Python client across process restarts (client/offline.py), against
the real server: the bot runs in its own OS processes (tests/client/offline_script.py), going
through the :class:`Relay` of test_reconnect.py so the test can hold its acks and cut it off."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from convergence_jupyter.client import AuthenticationError, connect
from convergence_jupyter.client.offline_store import OfflineStore, OfflineStoreBusyError
from tests.client.conftest import ClientFactory
from tests.client.test_reconnect import FAST, Relay, wait_for

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("offline_script.py")
OPTIONS: dict[str, Any] = dict(FAST)


@pytest.fixture
def relay(jp_http_port: int, io_loop: Any) -> Iterator[Relay]:
    r = io_loop.run_sync(Relay(jp_http_port).start)
    yield r
    io_loop.run_sync(r.close)


class Bot:
    """One run of offline_script.py, spoken to in JSON lines."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, mode: str, url: str, store: Path, model_id: str) -> Bot:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(SCRIPT),
            mode,
            url,
            str(store),
            model_id,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=ROOT,
            env=env,
        )
        return cls(proc)

    async def expect(self, at: str, timeout: float = 30.0) -> dict[str, Any]:  # noqa: ASYNC109
        assert self.proc.stdout is not None
        while True:
            line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
            if not line:
                raise AssertionError(f"the bot ended before {at!r}: {await self.stderr()}")
            if line.startswith(b"{"):
                message: dict[str, Any] = json.loads(line)
                assert message["at"] == at, message
                return message

    async def stderr(self) -> str:
        assert self.proc.stderr is not None
        if self.proc.returncode is None:
            await asyncio.wait_for(self.proc.wait(), 10)
        return (await self.proc.stderr.read()).decode()[-3000:]

    async def tell(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"go\n")
        await self.proc.stdin.drain()

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()


async def test_offline_edits_survive_a_killed_process(
    client: ClientFactory, relay: Relay, realtime_url: str, tmp_path: Path
) -> None:
    """Process 1 subscribes a model, makes an acknowledged edit, one the server commits but
    whose ack it never gets, and two offline, and is killed; B edits meanwhile. Process 2
    starts with the store file, resumes the session with the stored token, resyncs: every
    edit once, B's merged, and a fresh open sees the same."""
    store = tmp_path / "bot.sqlite"
    url = relay.url(realtime_url)
    model_id = "offline-restart"
    b = await client("B")
    one = await Bot.start("first", url, store, model_id)
    try:
        acked = await one.expect("acked")
        mb = await b.models().open(model_id)
        assert mb.version == acked["version"] == 1
        relay.hold("s2c")
        await one.tell()
        await one.expect("sent")
        await wait_for(lambda: mb.version == 2, what="the server commits p1-unacked")
        relay.cut(offline=True)
        await one.tell()
        saved = await one.expect("saved")
        assert saved == {"at": "saved", "pending": 3, "version": 1}
    finally:
        await one.kill()
    with mb.batch():
        mb.element_at("text").insert(0, "[b-offline]")  # type: ignore[union-attr]
        mb.element_at("log").insert(0, "b-offline")  # type: ignore[union-attr]
    await mb.committed(timeout=10)

    relay.go_online()
    two = await Bot.start("second", url, store, model_id)
    try:
        synced = await two.expect("synced")
        assert await asyncio.wait_for(two.proc.wait(), 20) == 0, await two.stderr()
    finally:
        await two.kill()
    assert synced["user"] == "bot" and synced["pending_at_start"] == 3
    tokens = ["b-offline", "p1-acked", "p1-unacked", "p1-offline-1", "p1-offline-2", "p2-live"]
    value = synced["value"]
    assert sorted(value["log"]) == sorted(tokens), value
    assert [t for t in value["log"] if t.startswith("p")] == tokens[1:]
    for token in tokens:
        assert value["text"].count(f"[{token}]") == 1, value
    assert synced["version"] == len(tokens)  # one batch per edit, each stored once
    await wait_for(lambda: mb.version == len(tokens), what="B sees everything")
    assert mb.value() == value
    reader = await client("reader")
    fresh = await reader.models().open(model_id)
    assert (fresh.value(), fresh.version) == (value, len(tokens))
    # Every edit acknowledged: the store holds no unsent op any more.
    kept = await OfflineStore.open(store)
    try:
        stored = await kept.load(model_id)
        assert stored is not None and stored.pending == () and stored.version == len(tokens)
    finally:
        kept.close()


async def test_a_model_deleted_while_offline_is_reported_and_forgotten(
    client: ClientFactory, relay: Relay, realtime_url: str, tmp_path: Path
) -> None:
    store = tmp_path / "bot.sqlite"
    url = relay.url(realtime_url)
    first = await connect(url, anonymous="bot", offline_store=store, **OPTIONS)
    await first.models().subscribe_offline("doomed")
    model = await first.models().open_auto_create(
        collection="notes", id="doomed", data={"text": ""}
    )
    relay.cut(offline=True)
    await wait_for(lambda: not model.online, what="offline")
    model.element_at("text").insert(0, "lost")  # type: ignore[union-attr]
    await first.models().offline_saved()
    first.close()  # the process ends without reconnecting

    b = await client("B")
    await b.models().remove("doomed")
    relay.go_online()
    second = await connect(url, offline_store=store, **OPTIONS)
    try:
        again = await second.models().open_offline("doomed")
        assert again.closed
        assert "model_not_found" in again.close_reason
        await second.models().offline_saved()
        assert second.models().offline_subscriptions() == ["doomed"]
        assert await second.models()._require_store().store.model_ids() == []
        with pytest.raises(LookupError):
            await second.models().open_offline("doomed")
    finally:
        await second.dispose()


async def test_without_a_store_the_offline_api_says_so(client: ClientFactory) -> None:
    domain = await client("plain")
    with pytest.raises(Exception, match="offline_store"):
        await domain.models().subscribe_offline("x")


async def test_an_open_batch_is_written_when_it_ends(
    client: ClientFactory, relay: Relay, realtime_url: str, tmp_path: Path
) -> None:
    """Mid-batch the ops are applied but not queued: the store keeps the state before the
    batch until it ends (then one op); a second domain on the file sends it once."""
    store = tmp_path / "bot.sqlite"
    url = relay.url(realtime_url)
    first = await connect(url, anonymous="bot", offline_store=store, **OPTIONS)
    await first.models().subscribe_offline("batched")
    model = await first.models().open_auto_create(
        collection="notes", id="batched", data={"log": []}
    )
    relay.cut(offline=True)
    await wait_for(lambda: not model.online, what="offline")
    kept = first.models()._require_store().store
    log = model.element_at("log")
    assert log is not None
    with model.batch():
        log.push("one")  # type: ignore[attr-defined]
        await asyncio.sleep(0.05)
        await first.models().offline_saved()
        stored = await kept.load("batched")
        assert stored is not None and stored.pending == () and b"one" not in stored.data
        log.push("two")  # type: ignore[attr-defined]
    await first.models().offline_saved()
    stored = await kept.load("batched")
    assert stored is not None and len(stored.pending) == 1 and b"two" in stored.data
    first.close()

    relay.go_online()
    second = await connect(url, offline_store=store, **OPTIONS)
    try:
        again = await second.models().open("batched")
        await wait_for(lambda: again.online, what="resynced")
        await again.committed(timeout=10)
        reader = await client("reader")
        fresh = await reader.models().open("batched")
        assert fresh.value() == {"log": ["one", "two"]} and fresh.version == 1
    finally:
        await second.dispose()


async def test_a_refused_stored_token_falls_back_to_the_credentials(
    realtime_url: str, tmp_path: Path
) -> None:
    """An expired or unknown stored token: the given login is used (and its token stored);
    without one the refusal is raised."""
    store_path = tmp_path / "bot.sqlite"
    store = await OfflineStore.open(store_path)
    store.save_token(realtime_url, "not-a-token")
    await store.flush()
    store.close()
    with pytest.raises(AuthenticationError):
        await connect(realtime_url, offline_store=store_path, **OPTIONS)
    domain = await connect(realtime_url, anonymous="bot", offline_store=store_path, **OPTIONS)
    try:
        assert domain.user.display_name == "bot"
        token = domain.reconnect_token
    finally:
        await domain.dispose()
    store = await OfflineStore.open(store_path)
    try:
        assert await store.token(realtime_url) == token
    finally:
        store.close()


async def test_one_process_at_a_time(tmp_path: Path) -> None:
    """A second opener of the same file is refused until the first closes it."""
    first = await OfflineStore.open(tmp_path / "s.sqlite")
    try:
        with pytest.raises(OfflineStoreBusyError):
            await OfflineStore.open(tmp_path / "s.sqlite")
    finally:
        first.close()
    again = await OfflineStore.open(tmp_path / "s.sqlite")
    again.close()
