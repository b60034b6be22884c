"""The real rc.12 client makes the data (model edits by two users, a channel with messages, a
direct chat); the domain is exported from the stopped server, imported into a fresh database
(PostgreSQL when configured) and served again: the same users log in with their passwords and
find the same model data and version, chat history and direct chat, and go on editing."""

from __future__ import annotations

import os
import shutil
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
from database_backends import PG_ENV, postgres_schema

from tests.e2e.collab import PW, connect, js, run, values
from tests.e2e.harness import JS_PACKAGE_DIR, ServerProcess, run_cli, run_cli_batch

pytestmark = pytest.mark.e2e

SETTLE = (
    "const end = Date.now() + 10000;"
    " while (!ctx.m.isCommitted() && Date.now() < end) await lib.sleep(20);"
)
STATE = "return {version: ctx.m.version(), data: ctx.m.root().value()};"
HISTORY = (
    "return (await (await d.chat().get('team')).getHistory({limit: 50, forward: true}))"
    ".data.map(h.historyEntry);"
)


def _needs_node() -> None:
    client = JS_PACKAGE_DIR / "node_modules" / "@convergence" / "convergence"
    if shutil.which("node") is None or not client.is_dir():
        pytest.skip("needs node and tests/js/node_modules (run the e2e suite once, or npm ci)")


def _session(server: ServerProcess, steps: list[dict[str, Any]]) -> list[Any]:
    return values(run(server.url, steps, timeout=90.0))


def test_real_client_data_survives_export_and_import(tmp_path: Path) -> None:
    _needs_node()
    source = ServerProcess("source", tmp_path / "source", f"sqlite:///{tmp_path / 'source.db'}")
    run_cli_batch(
        source.database_url,
        [["user", "create", name, "--password", PW] for name in ("alice", "bob")],
    )
    source.start()
    try:
        made = _session(
            source,
            [
                connect("a", "alice"),
                connect("b", "bob"),
                js(
                    "a",
                    "ctx.m = await d.models().openAutoCreate({collection: 'docs', id: 'doc-1',"
                    " data: {text: 'hello', list: [1, 2], n: 1}});"
                    " ctx.m.root().get('text').insert(5, ' world'); ctx.m.root().get('n').add(41);"
                    f" {SETTLE} return ctx.m.version();",
                ),
                js(
                    "b",
                    "ctx.m = await d.models().open('doc-1');"
                    " ctx.m.root().get('list').push('from bob');"
                    " ctx.m.root().get('text').insert(0, '> ');"
                    f" {SETTLE} {STATE}",
                ),
                js(
                    "a",
                    "const end = Date.now() + 10000;"
                    " while (ctx.m.version() < 4 && Date.now() < end) await lib.sleep(20);"
                    " await ctx.m.close(); return null;",
                ),
                js("b", "await ctx.m.close(); return null;"),
                js(
                    "a",
                    "await d.chat().create({id: 'team', type: 'channel', membership: 'public',"
                    " name: 'Team', topic: 'plans'});"
                    " ctx.chat = await d.chat().get('team'); await ctx.chat.send('hello team');"
                    " return null;",
                ),
                js(
                    "b",
                    "ctx.chat = await d.chat().join('team'); await ctx.chat.send('hi alice');"
                    " return null;",
                ),
                js(
                    "a",
                    "await ctx.chat.setTopic('new plans');"
                    " ctx.direct = await d.chat().direct('bob'); await ctx.direct.send('psst');"
                    " return ctx.direct.info().chatId;",
                ),
                js("a", HISTORY),
            ],
        )
    finally:
        source.stop()
    before_model, direct_id, before_history = made[3], made[8], made[9]
    assert before_model["version"] == 4
    assert before_model["data"]["list"] == [1, 2, "from bob"]
    assert [e["message"] for e in before_history if e["type"] == "message"] == [
        "hello team",
        "hi alice",
    ]

    archive = tmp_path / "domain.jsonl.gz"
    exported = run_cli(source.database_url, "export", str(archive), "--progress", "never")
    assert "operation" in exported.stdout and "chat_event" in exported.stdout

    base = os.environ.get(PG_ENV)
    with (
        postgres_schema(base, prefix="cj_port")
        if base
        else nullcontext(f"sqlite:///{tmp_path / 'target.db'}")
    ) as target_url:
        run_cli(target_url, "import", str(archive), "--progress", "never")
        target = ServerProcess("target", tmp_path / "target", target_url)
        target.start()
        try:
            after = _session(
                target,
                [
                    connect("a", "alice"),  # the password hash came along
                    connect("b", "bob"),
                    js("a", f"ctx.m = await d.models().open('doc-1'); {STATE}"),
                    js("a", HISTORY),
                    js(
                        "a",
                        "ctx.direct = await d.chat().direct('bob');"
                        " const hist = await ctx.direct.getHistory({limit: 10});"
                        " return {id: ctx.direct.info().chatId,"
                        " messages: hist.data.filter(e => e.type === 'message')"
                        ".map(e => e.message)};",
                    ),
                    # editing goes on from the imported version, from a new session
                    js(
                        "b",
                        "ctx.m = await d.models().open('doc-1');"
                        f" ctx.m.root().get('n').add(1); {SETTLE} {STATE}",
                    ),
                ],
            )
        finally:
            target.stop()
    assert after[2] == before_model
    assert after[3] == before_history
    assert after[4] == {"id": direct_id, "messages": ["psst"]}
    assert after[5]["version"] == before_model["version"] + 1
    assert after[5]["data"]["n"] == before_model["data"]["n"] + 1
