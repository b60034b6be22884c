"""A domain with real data built through the store's repositories, and a view of a domain
read back through the same repositories (pks replaced by natural keys) for comparisons that
do not trust the archive code."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from convergence_jupyter.auth.passwords import hash_password
from convergence_jupyter.store import (
    Database,
    DomainRepository,
    GroupRepository,
    JwtKeyRepository,
    SessionRepository,
    UserRepository,
    UserType,
)
from convergence_jupyter.store.activities import ActivityRepository
from convergence_jupyter.store.chats import ChatRepository
from convergence_jupyter.store.identity_tables import UserRow
from convergence_jupyter.store.models import (
    CollectionRepository,
    ModelRepository,
    NewOperation,
    PermissionFlags,
)
from convergence_jupyter.store.notebook_files import LegacyNotebookIdRepository
from convergence_jupyter.store.notebook_tables import LegacyNotebookIdRow
from convergence_jupyter.store.permissions import GrantTarget, PermissionRepository
from convergence_jupyter.store.webhooks import WebhookRepository, WebhookSettings

NS, NAME = "acme", "main"
T0 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
PEM = "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n"


async def build_domain(db: Database, *, models: int = 3, ops_per_model: int = 40) -> None:
    """Users of every kind (one soft-deleted, one disabled), groups, JWT keys, collections
    with permissions, models with snapshots and op history, activities and chats (room,
    channel, direct) with members, messages and grants; plus sessions and a notebook id."""
    alice_hash = hash_password("alice-pw")
    async with db.transaction() as tx:
        domain = await DomainRepository(tx).ensure(
            NS, NAME, display_name="Acme Main", anonymous_auth=True, status="maintenance"
        )
        d = domain.pk
        users = UserRepository(tx)
        alice = await users.create(
            d,
            UserType.NORMAL,
            "alice",
            display_name="Alice Ä",
            email="a@x.org",
            password_hash=alice_hash,
            first_name="Alice",
            last_name="Liddell",
        )
        bob = await users.create(d, UserType.NORMAL, "bob", display_name="Bob 🙂")
        carol = await users.create(d, UserType.NORMAL, "carol")
        await users.set_disabled(carol.pk, True)
        gone = await users.create(d, UserType.NORMAL, "gone")
        anon = await users.create_anonymous(d, "Visitor")
        admin, _ = await users.get_or_create(d, UserType.CONVERGENCE, "admin")
        await users.touch_last_login(alice.pk, T0)

        groups = GroupRepository(tx)
        editors = await groups.create(d, "editors", "people who edit", [alice.pk, bob.pk])
        await groups.create(d, "empty")
        keys = JwtKeyRepository(tx)
        await keys.put(d, "app-1", PEM, description="first app")
        await keys.put(d, "app-2", PEM, enabled=False)

        sessions = SessionRepository(tx)
        session_ids = [
            (await sessions.open(d, u.pk, "js", "1.0.0-rc.12", at=T0)).id
            for u in (alice, bob, anon)
        ]

        collections = CollectionRepository(tx)
        docs = await collections.ensure(d, "docs")
        private = await collections.ensure(d, "private", PermissionFlags(read=True))
        await collections.set_user_permissions(
            private.pk, bob.pk, PermissionFlags(True, True, False, False, True)
        )
        hooks = WebhookRepository(tx)
        await hooks.create(
            d,
            docs.pk,
            f"hook-{d}-1",
            "s3cret",
            WebhookSettings(url="https://hooks.example.org/a", on_init=True, debounce_seconds=1.5),
        )
        await hooks.create(
            d,
            private.pk,
            f"hook-{d}-2",
            "other",
            WebhookSettings(url="https://hooks.example.org/b", enabled=False, max_attempts=3),
        )
        model_repo = ModelRepository(tx)
        for i in range(models):
            coll = docs if i % 2 == 0 else private
            m = await model_repo.create(
                d,
                coll,
                f"model-{i}",
                json.dumps({"t": "o", "v": {}}),
                created_at=T0,
                override_world=i == 1,
                world=PermissionFlags(read=True),
                ephemeral=i == 2,
            )
            ops = [
                NewOperation(
                    version=v,
                    timestamp=T0 + timedelta(seconds=v, microseconds=v),
                    session_id=format(session_ids[v % 3], "x"),
                    sequence_number=v,
                    user_pk=(alice.pk, bob.pk, anon.pk, None)[v % 4],
                    operation=json.dumps({"k": "set", "p": ["n"], "v": v, "s": "é\u2028"}),
                )
                for v in range(1, ops_per_model + 1)
            ]
            await model_repo.append_operations(
                m.pk, 0, ops, json.dumps({"t": "o", "v": {"n": ops_per_model, "i": i}})
            )
            await model_repo.next_value_prefix(m.pk)
            await model_repo.set_user_permissions(
                m.pk, [(bob.pk, PermissionFlags(read=True, write=True))]
            )

        grants = PermissionRepository(tx)
        activities = ActivityRepository(tx)
        act = await activities.create(d, "notebook", "file-1")
        await activities.create(d, "notebook", "file-2", ephemeral=True)
        await grants.add(
            d,
            GrantTarget(activity_pk=act.pk),
            world=["join"],
            users={bob.pk: ["lurk", "join"]},
            groups={editors.pk: ["set_state"]},
        )
        await grants.add(d, GrantTarget(), world=["create_chat_channel"])

        chats = ChatRepository(tx)
        room = await chats.create(
            d,
            "lobby",
            chat_type="room",
            membership="public",
            name="Lobby",
            topic="hi",
            creator_pk=alice.pk,
        )
        channel = await chats.create(
            d,
            "team",
            chat_type="channel",
            membership="private",
            name="Team",
            topic="",
            creator_pk=alice.pk,
            member_pks=[alice.pk, bob.pk, gone.pk],
        )
        direct = await chats.create(
            d,
            "direct-1",
            chat_type="direct",
            membership="private",
            name="",
            topic="",
            creator_pk=bob.pk,
            member_pks=[alice.pk, bob.pk],
            direct=True,
        )
        for n in range(12):
            await chats.append_event(
                room.pk, "message", (alice, bob, anon)[n % 3].pk, text=f"hello {n} ✓"
            )
        await chats.append_event(channel.pk, "user_added", alice.pk, target_user_pk=carol.pk)
        await chats.add_member(channel.pk, carol.pk)
        await chats.append_event(channel.pk, "topic_changed", bob.pk, text="new topic")
        await chats.set_topic(channel.pk, "new topic")
        await chats.append_event(direct.pk, "message", alice.pk, text="psst")
        await chats.mark_seen(channel.pk, bob.pk, 2)
        await grants.add(
            d,
            GrantTarget(chat_pk=channel.pk),
            users={bob.pk: ["manage"]},
            groups={editors.pk: ["add_user"]},
        )
        await users.delete(gone.pk)

        await LegacyNotebookIdRepository(tx).add("work/analysis.ipynb", "legacy-id-1")
        assert admin is not None


def _flags(flags: PermissionFlags | None) -> dict[str, bool] | None:
    return None if flags is None else asdict(flags)


async def view(db: Database, namespace: str = NS, name: str = NAME) -> dict[str, Any]:
    """Everything a domain holds as the repositories return it, keyed by natural keys."""
    async with db.transaction(readonly=True) as tx:
        domain = await DomainRepository(tx).get(namespace, name)
        assert domain is not None, f"no domain {namespace}/{name}"
        d = domain.pk
        users = UserRepository(tx)
        by_pk: dict[int, Any] = {}
        chat_repo = ChatRepository(tx)

        def key(pk: int | None) -> Any:
            if pk is None:
                return None
            record = by_pk[pk]
            return (int(record.user_type), record.username, record.deleted_username)

        out: dict[str, Any] = {
            "domain": {k: v for k, v in asdict(domain).items() if k != "pk"},
            "jwt_keys": [
                {k: v for k, v in asdict(j).items() if k not in ("pk", "domain_pk")}
                for j in await JwtKeyRepository(tx).list(d)
            ],
        }
        all_pks = list(await tx.scalars(select(UserRow.id).where(UserRow.domain_id == d)))
        for pk, record in (await chat_repo.users(all_pks)).items():
            by_pk[pk] = record
        user_rows = []
        for u in by_pk.values():
            live_normal = u.user_type == UserType.NORMAL and not u.deleted
            user_rows.append(
                {
                    **{k: v for k, v in asdict(u).items() if k not in ("pk", "domain_pk")},
                    "username": u.username if not u.deleted else "~deleted~",
                    "password_hash": await users.get_password_hash(d, u.username)
                    if live_normal
                    else None,
                }
            )
        out["users"] = sorted(
            user_rows,
            key=lambda u: (int(u["user_type"]), u["username"], u["deleted_username"] or ""),
        )
        out["groups"] = [
            {"group_id": g.group_id, "description": g.description, "members": list(g.members)}
            for g in await GroupRepository(tx).list(d)
        ]
        collections = CollectionRepository(tx)
        models = ModelRepository(tx)
        grants = PermissionRepository(tx)
        out["collections"] = {}
        out["models"] = {}
        for collection_id in ("docs", "private"):
            c = await collections.get(d, collection_id)
            if c is None:
                continue
            out["collections"][collection_id] = {
                "description": c.description,
                "world": _flags(c.world),
                "users": {
                    key(pk): _flags(await collections.user_permissions(c.pk, pk))
                    for pk in by_pk
                    if await collections.user_permissions(c.pk, pk) is not None
                },
            }
            for m in await models.in_collection(c.pk):
                out["models"][m.model_id] = {
                    **{
                        k: v
                        for k, v in asdict(m).items()
                        if k not in ("pk", "domain_pk", "collection_pk")
                    },
                    "users": {
                        key(pk): _flags(f)
                        for pk, f in (await models.user_permissions(m.pk)).items()
                    },
                    "operations": [
                        {**asdict(o), "model_pk": None, "user_pk": key(o.user_pk)}
                        for o in await models.operations(m.pk, 0, m.version)
                    ],
                }
        hooks, _ = await WebhookRepository(tx).page(d, None, 0, 100)
        out["webhooks"] = [
            {
                "collection_id": w.collection_id,
                "secret": w.secret,
                "settings": w.settings,
                "created_at": w.created_at,
                "updated_at": w.updated_at,
            }
            for w in hooks
        ]
        out["webhook_ids"] = [w.hook_id for w in hooks]
        activities = ActivityRepository(tx)
        out["activities"] = {}
        for activity_id in ("file-1", "file-2"):
            a = await activities.get(d, "notebook", activity_id)
            if a is None:
                continue
            g = await grants.get(d, GrantTarget(activity_pk=a.pk))
            out["activities"][activity_id] = {
                "ephemeral": a.ephemeral,
                "created_at": a.created_at,
                "grants": g,
            }
        out["domain_grants"] = await grants.get(d, GrantTarget())
        out["chats"] = {}
        for chat_id in ("lobby", "team", "direct-1"):
            chat = await chat_repo.get(d, chat_id)
            if chat is None:
                continue
            history, total = await chat_repo.history(chat.pk, forward=True, limit=10_000)
            out["chats"][chat_id] = {
                **{
                    k: v for k, v in asdict(chat).items() if k not in ("pk", "domain_pk", "members")
                },
                "members": [(key(m.user_pk), m.max_seen_event) for m in chat.members],
                "history_total": total,
                "history": [
                    {
                        **asdict(e),
                        "user_pk": key(e.user_pk),
                        "target_user_pk": key(e.target_user_pk),
                        "data": None
                        if e.data is None
                        else {**e.data, "members": [key(pk) for pk in e.data.get("members", [])]},
                    }
                    for e in history
                ],
                "grants": await grants.get(d, GrantTarget(chat_pk=chat.pk)),
            }
        member_pks = [by_pk_pk for by_pk_pk, r in by_pk.items() if r.username in ("alice", "bob")]
        direct = await chat_repo.get_direct(d, member_pks)
        out["direct_lookup"] = None if direct is None else direct.chat_id
        out["notebook_ids"] = [
            (r.path, r.file_id) for r in await tx.scalars(select(LegacyNotebookIdRow))
        ]
    return out
