"""``convergence-jupyter api-key create|list|revoke``: API keys minted directly on the database,
for the first key of a deployment (before anyone can call the REST API) and for automation.

Safe because only someone who can already write the database can run it. The key is printed
once and only its hash is stored; it is never logged.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from convergence_jupyter.auth.api_keys import ApiKeyVerifier
from convergence_jupyter.auth.principal import Scope, closure
from convergence_jupyter.store.api_keys import ApiKeyRecord, ApiKeyRepository
from convergence_jupyter.store.base import utcnow
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.errors import AlreadyExists

from .exit_codes import ExitCode, Failure
from .output import emit

Command = Callable[[Database, argparse.Namespace], Awaitable[None]]


def _info(record: ApiKeyRecord) -> dict[str, Any]:
    return {
        "key_id": record.key_id,
        "owner": record.owner,
        "name": record.name,
        "scopes": list(record.scopes),
        "created_at": record.created_at.isoformat(),
        "expires_at": record.expires_at.isoformat(),
        "last_used_at": None if record.last_used_at is None else record.last_used_at.isoformat(),
    }


async def cmd_api_key_create(db: Database, args: argparse.Namespace) -> None:
    if args.days <= 0 or args.days > 3650:
        raise Failure("--days must be between 1 and 3650", ExitCode.USAGE)
    scopes = closure(Scope(s) for s in args.scope or [Scope.READ.value])
    try:
        minted = await ApiKeyVerifier(db).mint(
            args.owner, args.name, scopes, utcnow() + timedelta(days=args.days)
        )
    except AlreadyExists:
        raise Failure(
            f"{args.owner} already has a key named {args.name!r}", ExitCode.CONFLICT
        ) from None
    info = _info(minted.record)
    emit(
        args,
        {**info, "key": minted.token},
        f"{minted.token}\n"
        f"(key {info['key_id']} of {args.owner}, scopes {','.join(minted.record.scopes)}, "
        f"expires {info['expires_at']}; shown only now: store it safely)",
    )


async def cmd_api_key_list(db: Database, args: argparse.Namespace) -> None:
    async with db.transaction(readonly=True) as session:
        records, _total = await ApiKeyRepository(session).list(args.owner, limit=1_000_000)
    rows = [_info(r) for r in records]
    emit(
        args,
        rows,
        "\n".join(
            f"{r['key_id']}\t{r['owner']}\t{r['name']}\t{','.join(r['scopes'])}\t{r['expires_at']}"
            for r in rows
        ),
    )


async def cmd_api_key_revoke(db: Database, args: argparse.Namespace) -> None:
    async with db.transaction() as session:
        if not await ApiKeyRepository(session).delete(args.key_id):
            raise Failure(f"no API key {args.key_id!r}", ExitCode.NOT_FOUND)
    emit(args, {"revoked": args.key_id}, f"API key {args.key_id} revoked")


def add_api_key_commands(
    topics: argparse._SubParsersAction[argparse.ArgumentParser],
    command: Callable[..., argparse.ArgumentParser],
) -> None:
    keys = topics.add_parser("api-key", help="REST API keys, on the database").add_subparsers(
        dest="action", required=True
    )
    create = command(keys, "create", cmd_api_key_create, "mint a key (printed once)")
    create.add_argument("--owner", required=True, help="the Jupyter user name the key acts as")
    create.add_argument("--name", required=True, help="unique among the owner's keys")
    create.add_argument(
        "--scope",
        action="append",
        choices=[s.value for s in Scope],
        help="read (default), write or admin; repeatable (admin implies write implies read)",
    )
    create.add_argument("--days", type=int, default=90, help="lifetime (default: 90, max 3650)")
    listing = command(keys, "list", cmd_api_key_list, "list keys (never the keys themselves)")
    listing.add_argument("--owner", default=None, help="only this user's keys")
    revoke = command(keys, "revoke", cmd_api_key_revoke, "revoke a key at once")
    revoke.add_argument("key_id")
