"""``convergence-jupyter export FILE`` / ``import FILE``: a whole domain to one archive file
and back into an empty database (see :mod:`convergence_jupyter.portability`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

from convergence_jupyter.portability import (
    ArchiveFormatError,
    ArchiveSummary,
    NullProgress,
    Progress,
    RichProgress,
    export_domain,
    import_domain,
)
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.domain_archive import ArchiveError
from convergence_jupyter.store.errors import AlreadyExists, NotFound

from .exit_codes import ExitCode, Failure
from .output import emit


def _progress(args: argparse.Namespace) -> Progress:
    wanted = args.progress == "always" or (args.progress == "auto" and sys.stderr.isatty())
    return RichProgress() if wanted else NullProgress()


def _report(args: argparse.Namespace, verb: str, summary: ArchiveSummary) -> None:
    parts = ", ".join(f"{n} {section}" for section, n in summary.counts.items() if n)
    emit(
        args,
        {
            "namespace": summary.namespace,
            "domain": summary.name,
            "file": summary.path,
            "records": summary.total,
            "counts": summary.counts,
        },
        f"{verb} {summary.namespace}/{summary.name} ({summary.total} records: {parts or 'none'})"
        f" {'to' if verb == 'exported' else 'from'} {summary.path}",
    )


async def cmd_export(db: Database, args: argparse.Namespace) -> None:
    try:
        summary = await export_domain(
            db, args.namespace, args.domain, Path(args.file), progress=_progress(args)
        )
    except NotFound as exc:
        raise Failure(f"no {exc}", ExitCode.NOT_FOUND) from None
    _report(args, "exported", summary)


async def cmd_import(db: Database, args: argparse.Namespace) -> None:
    namespace, name = None, None
    if args.into:
        namespace, sep, name = args.into.partition("/")
        if not sep or not namespace or not name:
            raise Failure("--into takes NAMESPACE/DOMAIN", ExitCode.USAGE)
    path = Path(args.file)
    if not await asyncio.to_thread(path.is_file):
        raise Failure(f"{path}: no such file", ExitCode.USAGE)
    try:
        summary = await import_domain(
            db, path, namespace=namespace, name=name, progress=_progress(args)
        )
    except (ArchiveFormatError, ArchiveError) as exc:
        raise Failure(f"{path}: {exc}", ExitCode.USAGE) from None
    except AlreadyExists as exc:
        raise Failure(str(exc), ExitCode.CONFLICT) from None
    _report(args, "imported", summary)


def add_archive_commands(
    topics: argparse._SubParsersAction[argparse.ArgumentParser],
    command: Callable[..., argparse.ArgumentParser],
) -> None:
    export = command(
        topics,
        "export",
        cmd_export,
        "write the domain (--namespace/--domain) to FILE: users, groups, models with history, "
        "chats, activities, permissions",
    )
    export.add_argument("file", help="the archive to write; a name ending in .gz compresses")
    imported = command(
        topics,
        "import",
        cmd_import,
        "load an archive into an empty domain, all or nothing",
    )
    imported.add_argument("file", help="an archive written by export")
    imported.add_argument(
        "--into", metavar="NAMESPACE/DOMAIN", help="load under another name (default: as archived)"
    )
    for sub in (export, imported):
        sub.add_argument(
            "--progress",
            choices=["auto", "always", "never"],
            default="auto",
            help="progress bar on stderr (auto: when it is a terminal)",
        )
