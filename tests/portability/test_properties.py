"""Whatever text and JSON users put into a domain comes back identical after export and
import (hypothesis draws it: any Unicode text, nested JSON, big and negative numbers)."""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convergence_jupyter.portability import export_domain, import_domain
from convergence_jupyter.store import Database, DomainRepository, UserRepository, UserType
from convergence_jupyter.store.chats import ChatRepository
from convergence_jupyter.store.models import CollectionRepository, ModelRepository, NewOperation

from .domain_data import T0, view

TEXT = st.text(st.characters(exclude_characters="\x00"), max_size=40)  # PostgreSQL refuses NUL
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
COUNTER = itertools.count()


async def _fill(db: Database, name: str, names: list[str], texts: list[str], data: Any) -> None:
    async with db.transaction() as tx:
        domain = await DomainRepository(tx).ensure("prop", name)
        users = UserRepository(tx)
        made = [
            await users.create(domain.pk, UserType.NORMAL, f"u{i}", display_name=display)
            for i, display in enumerate(names)
        ]
        coll = await CollectionRepository(tx).ensure(domain.pk, "docs")
        models = ModelRepository(tx)
        model = await models.create(domain.pk, coll, "m", json.dumps(data), created_at=T0)
        ops = [
            NewOperation(i + 1, T0, "s1", i + 1, made[0].pk if made else None, json.dumps([t]))
            for i, t in enumerate(texts)
        ]
        await models.append_operations(model.pk, 0, ops, json.dumps({"v": data, "t": texts}))
        chats = ChatRepository(tx)
        chat = await chats.create(
            domain.pk,
            "lobby",
            chat_type="room",
            membership="public",
            name=texts[0] if texts else "",
            topic="",
            creator_pk=made[0].pk,
        )
        for t in texts:
            await chats.append_event(chat.pk, "message", made[-1].pk, text=t)


def test_any_text_and_json_round_trips(tmp_path: Path) -> None:
    async def open_both() -> tuple[Database, Database]:
        src = Database.from_url(f"sqlite:///{tmp_path / 'src.db'}")
        dst = Database.from_url(f"sqlite:///{tmp_path / 'dst.db'}")
        await src.upgrade()
        await dst.upgrade()
        return src, dst

    loop = asyncio.new_event_loop()
    src, dst = loop.run_until_complete(open_both())

    @settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        names=st.lists(TEXT, min_size=1, max_size=3),
        texts=st.lists(TEXT, min_size=1, max_size=5),
        data=JSON_VALUES,
    )
    def roundtrip(names: list[str], texts: list[str], data: Any) -> None:
        name = f"d{next(COUNTER)}"
        archive = tmp_path / f"{name}.jsonl"

        async def main() -> None:
            await _fill(src, name, names, texts, data)
            await export_domain(src, "prop", name, archive)
            await import_domain(dst, archive)
            before, after = await view(src, "prop", name), await view(dst, "prop", name)
            assert after == before
            model = after["models"]["m"]
            assert json.loads(model["data"]) == {"v": data, "t": texts}
            messages = [e["text"] for e in after["chats"]["lobby"]["history"][1:]]
            assert messages == texts

        loop.run_until_complete(main())

    try:
        roundtrip()
    finally:
        loop.run_until_complete(src.close())
        loop.run_until_complete(dst.close())
        loop.close()
