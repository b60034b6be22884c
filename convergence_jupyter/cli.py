"""``convergence-jupyter``: administer the database the extension uses, with or without a server.

Examples::

    convergence-jupyter db upgrade
    convergence-jupyter user create alice --password-stdin --display-name "Alice"
    convergence-jupyter group create editors --member alice --member bob
    convergence-jupyter jwt-key add my-app --public-key-file app.pub.pem
    convergence-jupyter domain configure --anonymous-auth on
    convergence-jupyter domain permissions revoke create_chat_channel --world
    convergence-jupyter api-key create --owner alice --name ci --scope admin
    CONVERGENCE_URL=http://localhost:8888/ CONVERGENCE_API_KEY=cvk_... \
        convergence-jupyter --output json api models list-models
    convergence-jupyter export acme.jsonl.gz && convergence-jupyter import acme.jsonl.gz

Commands that name a database work on it directly (safe with a server running: each is one
transaction). ``api ...`` commands talk to a running server with an API key instead; they are
generated from the REST registry, so every REST operation has one. Exit codes: see
``admin/exit_codes.py`` (0 ok, 1 error, 2 usage, 3 unreachable, 4 denied, 5 not found,
6 conflict).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from convergence_jupyter.admin.api_commands import (
    add_api_commands,
    add_api_placeholder,
    run_remote,
)
from convergence_jupyter.admin.api_key_commands import add_api_key_commands
from convergence_jupyter.admin.archive_commands import add_archive_commands
from convergence_jupyter.admin.exit_codes import EPILOG, ExitCode, Failure
from convergence_jupyter.admin.output import FORMATS, emit, error
from convergence_jupyter.auth.keys import validate_public_key_pem
from convergence_jupyter.auth.passwords import hash_password
from convergence_jupyter.domain.users import UserType
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.domain_permissions import DOMAIN_PERMISSIONS, DOMAIN_TARGET
from convergence_jupyter.store.domains import DomainRepository
from convergence_jupyter.store.errors import AlreadyExists, NotFound
from convergence_jupyter.store.groups import GroupRepository
from convergence_jupyter.store.jwt_keys import JwtKeyRepository
from convergence_jupyter.store.permissions import PermissionRepository
from convergence_jupyter.store.records import DomainRecord
from convergence_jupyter.store.users import UserRepository

DATABASE_URL_ENV = "CONVERGENCE_DATABASE_URL"


def default_database_url() -> str:
    """The URL the extension uses when none is configured (kept in one place: the app)."""
    from convergence_jupyter.app import ConvergenceApp

    return str(ConvergenceApp().database_url)


class CommandError(Failure):
    """A refusal worth a one-line message and an exit code (default 1), not a traceback."""


async def _domain(db: Database, args: argparse.Namespace) -> DomainRecord:
    async with db.transaction() as session:
        return await DomainRepository(session).ensure(args.namespace, args.domain)


async def cmd_db_upgrade(db: Database, args: argparse.Namespace) -> None:
    await db.upgrade()
    revision = await db.current_revision()
    emit(args, {"revision": revision}, f"database at revision {revision}")


async def cmd_db_current(db: Database, args: argparse.Namespace) -> None:
    revision = await db.current_revision()
    emit(args, {"revision": revision}, revision or "(empty)")


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
    emit(
        args,
        _domain_info(record),
        f"{record.namespace}/{record.name}: anonymous_auth={record.anonymous_auth} "
        f"auto_create_collections={record.auto_create_collections} status={record.status}",
    )


def _domain_info(record: DomainRecord) -> dict[str, object]:
    return {
        "namespace": record.namespace,
        "domain": record.name,
        "display_name": record.display_name,
        "anonymous_auth": record.anonymous_auth,
        "auto_create_collections": record.auto_create_collections,
        "reconnect_token_minutes": record.reconnect_token_minutes,
        "status": record.status.value,
    }


async def cmd_domain_list(db: Database, args: argparse.Namespace) -> None:
    async with db.transaction(readonly=True) as session:
        records = await DomainRepository(session).list()
    emit(
        args,
        [_domain_info(r) for r in records],
        "\n".join(f"{r.namespace}/{r.name}\t{r.status}" for r in records),
    )


async def _domain_grantee(
    session: AsyncSession, domain: DomainRecord, args: argparse.Namespace
) -> tuple[list[str], dict[int, list[str]], dict[int, list[str]]]:
    """The --world/--user/--group choice as PermissionRepository arguments."""
    unknown = sorted(set(args.permission) - DOMAIN_PERMISSIONS)
    if unknown:
        valid = ", ".join(sorted(DOMAIN_PERMISSIONS))
        raise CommandError(f"unknown domain permission {unknown[0]!r} (valid: {valid})")
    if args.user is not None:
        user = await UserRepository(session).get(domain.pk, UserType.NORMAL, args.user)
        if user is None:
            raise CommandError(f"no user {args.user!r}")
        return [], {user.pk: args.permission}, {}
    if args.group is not None:
        found = await GroupRepository(session).get_many(domain.pk, [args.group])
        if not found:
            raise CommandError(f"no group {args.group!r}")
        return [], {}, {found[0].pk: args.permission}
    return args.permission, {}, {}


async def cmd_domain_permissions_change(db: Database, args: argparse.Namespace) -> None:
    domain = await _domain(db, args)
    async with db.transaction() as session:
        world, users, groups = await _domain_grantee(session, domain, args)
        repo = PermissionRepository(session)
        change = repo.add if args.permissions_action == "grant" else repo.remove
        await change(domain.pk, DOMAIN_TARGET, world=world, users=users, groups=groups)
    await cmd_domain_permissions_list(db, args)


async def cmd_domain_permissions_list(db: Database, args: argparse.Namespace) -> None:
    domain = await _domain(db, args)
    async with db.transaction(readonly=True) as session:
        grants = await PermissionRepository(session).get(domain.pk, DOMAIN_TARGET)
    lines = [f"world\t{' '.join(sorted(grants.world)) or '-'}"]
    for key, perms in sorted(grants.users.items()):
        lines.append(f"user {key.username}\t{' '.join(sorted(perms))}")
    for group_id, perms in sorted(grants.groups.items()):
        lines.append(f"group {group_id}\t{' '.join(sorted(perms))}")
    emit(
        args,
        {
            "world": sorted(grants.world),
            "users": {k.username: sorted(v) for k, v in sorted(grants.users.items())},
            "groups": {g: sorted(v) for g, v in sorted(grants.groups.items())},
        },
        "\n".join(lines),
    )


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
            raise CommandError(
                f"user {args.username!r} already exists", ExitCode.CONFLICT
            ) from None
    emit(args, {"created": args.username}, f"created user {args.username}")


async def cmd_user_set_password(db: Database, args: argparse.Namespace) -> None:
    domain = await _domain(db, args)
    password = _read_password(args)
    if not password:
        raise CommandError("give --password or --password-stdin", ExitCode.USAGE)
    password_hash = await asyncio.to_thread(hash_password, password)
    async with db.transaction() as session:
        users = UserRepository(session)
        user = await users.get(domain.pk, UserType.NORMAL, args.username)
        if user is None:
            raise CommandError(f"no user {args.username!r}", ExitCode.NOT_FOUND)
        await users.set_password_hash(user.pk, password_hash)
    emit(args, {"password_changed": args.username}, f"password of {args.username} changed")


async def cmd_user_list(db: Database, args: argparse.Namespace) -> None:
    domain = await _domain(db, args)
    async with db.transaction(readonly=True) as session:
        users = await UserRepository(session).search(domain.pk, [], "", user_types=[0])
    emit(
        args,
        [
            {
                "username": u.username,
                "display_name": u.display_name,
                "email": u.email,
                "first_name": u.first_name,
                "last_name": u.last_name,
                "disabled": u.disabled,
            }
            for u in users
        ],
        "\n".join(f"{u.username}\t{u.display_name or ''}\t{u.email or ''}" for u in users),
    )


async def cmd_user_delete(db: Database, args: argparse.Namespace) -> None:
    domain = await _domain(db, args)
    async with db.transaction() as session:
        users = UserRepository(session)
        user = await users.get(domain.pk, UserType.NORMAL, args.username)
        if user is None or not await users.delete(user.pk):
            raise CommandError(f"no user {args.username!r}", ExitCode.NOT_FOUND)
    emit(args, {"deleted": args.username}, f"deleted user {args.username}")


async def cmd_group_create(db: Database, args: argparse.Namespace) -> None:
    domain = await _domain(db, args)
    async with db.transaction() as session:
        users = UserRepository(session)
        members = []
        for username in args.member or []:
            user = await users.get(domain.pk, UserType.NORMAL, username)
            if user is None:
                raise CommandError(f"no user {username!r}", ExitCode.NOT_FOUND)
            members.append(user.pk)
        groups = GroupRepository(session)
        try:
            group = await groups.create(domain.pk, args.group_id, description=args.description)
        except AlreadyExists:
            raise CommandError(
                f"group {args.group_id!r} already exists", ExitCode.CONFLICT
            ) from None
        await groups.set_members(group.pk, members)
    emit(
        args,
        {"created": args.group_id, "members": args.member or []},
        f"created group {args.group_id} with {len(members)} member(s)",
    )


async def cmd_jwt_key_add(db: Database, args: argparse.Namespace) -> None:
    domain = await _domain(db, args)
    pem = await asyncio.to_thread(Path(args.public_key_file).read_text)
    try:
        validate_public_key_pem(pem)
    except ValueError as exc:
        raise CommandError(str(exc), ExitCode.USAGE) from None
    async with db.transaction() as session:
        await JwtKeyRepository(session).put(
            domain.pk, args.key_id, pem, description=args.description or ""
        )
    emit(args, {"registered": args.key_id}, f"JWT key {args.key_id} registered")


async def cmd_jwt_key_list(db: Database, args: argparse.Namespace) -> None:
    domain = await _domain(db, args)
    async with db.transaction(readonly=True) as session:
        keys = await JwtKeyRepository(session).list(domain.pk)
    emit(
        args,
        [
            {
                "key_id": k.key_id,
                "enabled": k.enabled,
                "description": k.description,
                "updated_at": k.updated_at,
            }
            for k in keys
        ],
        "\n".join(
            f"{k.key_id}\t{'enabled' if k.enabled else 'disabled'}\t{k.description}" for k in keys
        ),
    )


async def cmd_jwt_key_remove(db: Database, args: argparse.Namespace) -> None:
    domain = await _domain(db, args)
    async with db.transaction() as session:
        if not await JwtKeyRepository(session).delete(domain.pk, args.key_id):
            raise CommandError(f"no JWT key {args.key_id!r}", ExitCode.NOT_FOUND)
    emit(args, {"removed": args.key_id}, f"JWT key {args.key_id} removed")


Command = Callable[[Database, argparse.Namespace], Awaitable[None]]


def build_parser(*, with_api: bool = True) -> argparse.ArgumentParser:
    """The whole command line; ``with_api=False`` leaves out the generated ``api`` commands
    (they import the server's REST modules, which slows every other command down)."""
    parser = argparse.ArgumentParser(
        prog="convergence-jupyter", description=__doc__.split("\n")[0], epilog=EPILOG
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(DATABASE_URL_ENV),
        help=f"database to administer (default: ${DATABASE_URL_ENV}, else the extension's default)",
    )
    parser.add_argument("--namespace", default="convergence")
    parser.add_argument("--domain", default="default")
    parser.add_argument(
        "--output", choices=FORMATS, default="text", help="json: one JSON document for scripts"
    )
    topics = parser.add_subparsers(dest="topic", required=True)

    def command(
        group: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        handler: Command,
        summary: str,
    ) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = group.add_parser(name, help=summary, epilog=EPILOG)
        sub.set_defaults(handler=handler)
        # Also accepted after the command; SUPPRESS keeps the global value when absent.
        sub.add_argument("--output", choices=FORMATS, default=argparse.SUPPRESS)
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
    domain_permissions = domain.add_parser(
        "permissions", help="domain-wide permissions (create_chat_channel: who may create chats)"
    ).add_subparsers(dest="permissions_action", required=True)
    command(domain_permissions, "list", cmd_domain_permissions_list, "list the grants")
    for verb in ("grant", "revoke"):
        change = command(
            domain_permissions, verb, cmd_domain_permissions_change, f"{verb} permissions"
        )
        change.add_argument("permission", nargs="+", help="e.g. create_chat_channel")
        grantee = change.add_mutually_exclusive_group(required=True)
        grantee.add_argument("--world", action="store_true", help="everyone")
        grantee.add_argument("--user", help="a normal user's name")
        grantee.add_argument("--group", help="a group id")

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

    add_api_key_commands(topics, command)
    add_archive_commands(topics, command)
    if with_api:
        from convergence_jupyter.rest.registry import ROUTERS

        add_api_commands(topics, ROUTERS)
    else:
        add_api_placeholder(topics)
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
    """Run one command; returns its exit code (argparse exits with 2 on usage errors)."""
    words = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(with_api="api" in words).parse_args(words)
    try:
        if getattr(args, "remote", None) is not None:
            return run_remote(args)
        asyncio.run(_run(args))
    except Failure as exc:
        error(str(exc))
        return exc.code
    except AlreadyExists as exc:
        error(f"already exists: {exc}")
        return ExitCode.CONFLICT
    except NotFound as exc:
        error(f"not found: {exc}")
        return ExitCode.NOT_FOUND
    except (OperationalError, InterfaceError) as exc:
        error(f"the database cannot be used: {exc.orig or exc}")
        return ExitCode.UNAVAILABLE
    return ExitCode.OK


if __name__ == "__main__":
    raise SystemExit(main())
