"""``convergence-jupyter``: administer the database the extension uses, with or without a server.

Examples::

    convergence-jupyter db upgrade
    convergence-jupyter user create alice --password-stdin --display-name "Alice"
    convergence-jupyter group create editors --member alice --member bob
    convergence-jupyter jwt-key add my-app --public-key-file app.pub.pem
    convergence-jupyter domain configure --anonymous-auth on
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from convergence_jupyter.auth.keys import validate_public_key_pem
from convergence_jupyter.auth.passwords import hash_password
from convergence_jupyter.domain.users import UserType
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.domains import DomainRepository
from convergence_jupyter.store.errors import AlreadyExists
from convergence_jupyter.store.groups import GroupRepository
from convergence_jupyter.store.jwt_keys import JwtKeyRepository
from convergence_jupyter.store.records import DomainRecord
from convergence_jupyter.store.users import UserRepository

DATABASE_URL_ENV = "CONVERGENCE_DATABASE_URL"


def default_database_url() -> str:
    """The URL the extension uses when none is configured (kept in one place: the app)."""
    from convergence_jupyter.app import ConvergenceApp

    return str(ConvergenceApp().database_url)


class CommandError(Exception):
    """A refusal worth a one-line message and exit status 1, not a traceback."""


async def _domain(db: Database, args: argparse.Namespace) -> DomainRecord:
    async with db.transaction() as session:
        return await DomainRepository(session).ensure(args.namespace, args.domain)


async def cmd_db_upgrade(db: Database, args: argparse.Namespace) -> None:
    await db.upgrade()
    print(f"database at revision {await db.current_revision()}")


async def cmd_db_current(db: Database, args: argparse.Namespace) -> None:
    print(await db.current_revision() or "(empty)")


async def cmd_domain_configure(db: Database, args: argparse.Namespace) -> None:
    anonymous = None if args.anonymous_auth is None else args.anonymous_auth == "on"
    collections = (
        None if args.auto_create_collections is None else args.auto_create_collections == "on"
    )
    async with db.transaction() as session:
        record = await DomainRepository(session).ensure(
            args.namespace,
            args.domain,
            anonymous_auth=anonymous,
            auto_create_collections=collections,
            reconnect_token_minutes=args.reconnect_token_minutes,
            status=args.status,
        )
    print(
        f"{record.namespace}/{record.name}: anonymous_auth={record.anonymous_auth} "
        f"auto_create_collections={record.auto_create_collections} status={record.status}"
    )


async def cmd_domain_list(db: Database, args: argparse.Namespace) -> None:
    async with db.transaction(readonly=True) as session:
        for record in await DomainRepository(session).list():
            print(f"{record.namespace}/{record.name}\t{record.status}")


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password: str | None = args.password
    return password


async def cmd_user_create(db: Database, args: argparse.Namespace) -> None:
    domain = await _domain(db, args)
    password = _read_password(args)
    password_hash = await asyncio.to_thread(hash_password, password) if password else None
    async with db.transaction() as session:
        try:
            await UserRepository(session).create(
                domain.pk,
                UserType.NORMAL,
                args.username,
                first_name=args.first_name,
                last_name=args.last_name,
                display_name=args.display_name,
                email=args.email,
                password_hash=password_hash,
            )
        except AlreadyExists:
            raise CommandError(f"user {args.username!r} already exists") from None
    print(f"created user {args.username}")


async def cmd_user_set_password(db: Database, args: argparse.Namespace) -> None:
    domain = await _domain(db, args)
    password = _read_password(args)
    if not password:
        raise CommandError("give --password or --password-stdin")
    password_hash = await asyncio.to_thread(hash_password, password)
    async with db.transaction() as session:
        users = UserRepository(session)
        user = await users.get(domain.pk, UserType.NORMAL, args.username)
        if user is None:
            raise CommandError(f"no user {args.username!r}")
        await users.set_password_hash(user.pk, password_hash)
    print(f"password of {args.username} changed")


async def cmd_user_list(db: Database, args: argparse.Namespace) -> None:
    domain = await _domain(db, args)
    async with db.transaction(readonly=True) as session:
        users = await UserRepository(session).search(domain.pk, [], "", user_types=[0])
    for user in users:
        print(f"{user.username}\t{user.display_name or ''}\t{user.email or ''}")


async def cmd_user_delete(db: Database, args: argparse.Namespace) -> None:
    domain = await _domain(db, args)
    async with db.transaction() as session:
        users = UserRepository(session)
        user = await users.get(domain.pk, UserType.NORMAL, args.username)
        if user is None or not await users.delete(user.pk):
            raise CommandError(f"no user {args.username!r}")
    print(f"deleted user {args.username}")


async def cmd_group_create(db: Database, args: argparse.Namespace) -> None:
    domain = await _domain(db, args)
    async with db.transaction() as session:
        users = UserRepository(session)
        members = []
        for username in args.member or []:
            user = await users.get(domain.pk, UserType.NORMAL, username)
            if user is None:
                raise CommandError(f"no user {username!r}")
            members.append(user.pk)
        groups = GroupRepository(session)
        try:
            group = await groups.create(domain.pk, args.group_id, description=args.description)
        except AlreadyExists:
            raise CommandError(f"group {args.group_id!r} already exists") from None
        await groups.set_members(group.pk, members)
    print(f"created group {args.group_id} with {len(members)} member(s)")


async def cmd_jwt_key_add(db: Database, args: argparse.Namespace) -> None:
    domain = await _domain(db, args)
    pem = await asyncio.to_thread(Path(args.public_key_file).read_text)
    try:
        validate_public_key_pem(pem)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    async with db.transaction() as session:
        await JwtKeyRepository(session).put(
            domain.pk, args.key_id, pem, description=args.description or ""
        )
    print(f"JWT key {args.key_id} registered")


async def cmd_jwt_key_list(db: Database, args: argparse.Namespace) -> None:
    domain = await _domain(db, args)
    async with db.transaction(readonly=True) as session:
        for key in await JwtKeyRepository(session).list(domain.pk):
            print(f"{key.key_id}\t{'enabled' if key.enabled else 'disabled'}\t{key.description}")


async def cmd_jwt_key_remove(db: Database, args: argparse.Namespace) -> None:
    domain = await _domain(db, args)
    async with db.transaction() as session:
        if not await JwtKeyRepository(session).delete(domain.pk, args.key_id):
            raise CommandError(f"no JWT key {args.key_id!r}")
    print(f"JWT key {args.key_id} removed")


Command = Callable[[Database, argparse.Namespace], Awaitable[None]]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="convergence-jupyter", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(DATABASE_URL_ENV),
        help=f"database to administer (default: ${DATABASE_URL_ENV}, else the extension's default)",
    )
    parser.add_argument("--namespace", default="convergence")
    parser.add_argument("--domain", default="default")
    topics = parser.add_subparsers(dest="topic", required=True)

    def command(
        group: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        handler: Command,
        summary: str,
    ) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = group.add_parser(name, help=summary)
        sub.set_defaults(handler=handler)
        return sub

    db = topics.add_parser("db", help="schema migrations").add_subparsers(
        dest="action", required=True
    )
    command(db, "upgrade", cmd_db_upgrade, "migrate the schema to the newest revision")
    command(db, "current", cmd_db_current, "print the schema revision")

    domain = topics.add_parser("domain", help="domains").add_subparsers(
        dest="action", required=True
    )
    configure = command(domain, "configure", cmd_domain_configure, "create or change a domain")
    configure.add_argument("--anonymous-auth", choices=["on", "off"])
    configure.add_argument("--auto-create-collections", choices=["on", "off"])
    configure.add_argument("--reconnect-token-minutes", type=int)
    configure.add_argument("--status", choices=["online", "maintenance", "offline"])
    command(domain, "list", cmd_domain_list, "list domains")

    user = topics.add_parser("user", help="domain users").add_subparsers(
        dest="action", required=True
    )
    create = command(user, "create", cmd_user_create, "create a normal user")
    set_password = command(user, "set-password", cmd_user_set_password, "change a password")
    delete = command(user, "delete", cmd_user_delete, "delete a user")
    for sub in (create, set_password, delete):
        sub.add_argument("username")
    for flag in ("--display-name", "--email", "--first-name", "--last-name"):
        create.add_argument(flag)
    for sub in (create, set_password):
        secret = sub.add_mutually_exclusive_group()
        secret.add_argument(
            "--password", help="visible in the process list; prefer --password-stdin"
        )
        secret.add_argument("--password-stdin", action="store_true")
    command(user, "list", cmd_user_list, "list normal users")

    group = topics.add_parser("group", help="user groups").add_subparsers(
        dest="action", required=True
    )
    group_create = command(group, "create", cmd_group_create, "create a group")
    group_create.add_argument("group_id")
    group_create.add_argument("--description", default="")
    group_create.add_argument("--member", action="append", help="a username; repeatable")

    keys = topics.add_parser("jwt-key", help="JWT verification keys").add_subparsers(
        dest="action", required=True
    )
    add = command(keys, "add", cmd_jwt_key_add, "register (or replace) an RSA public key")
    add.add_argument("key_id", help="the 'kid' header tokens signed with this key carry")
    add.add_argument("--public-key-file", required=True)
    add.add_argument("--description")
    command(keys, "list", cmd_jwt_key_list, "list keys")
    remove = command(keys, "remove", cmd_jwt_key_remove, "remove a key")
    remove.add_argument("key_id")
    return parser


async def _run(args: argparse.Namespace) -> None:
    db = Database.from_url(args.database_url or default_database_url())
    try:
        if args.handler is not cmd_db_upgrade:
            await db.upgrade()
        await args.handler(db, args)
    finally:
        await db.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        asyncio.run(_run(args))
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
