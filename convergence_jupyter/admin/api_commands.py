"""``convergence-jupyter api RESOURCE OPERATION``: every REST operation as a command.

The commands are generated from the API's registry (``rest/registry.py``), the same list that
the server serves and OpenAPI describes, so a new operation is a new command without any code
here. Each operation becomes ``api <tag> <operation id in kebab case>``; path parameters and
query fields become options (``--model-id``, ``--offset``); a request body comes from
``--data JSON``, ``--data @file.json`` or ``--data -`` (stdin).

The server is ``--url`` (or ``$CONVERGENCE_URL``): the Jupyter server's address including its
base URL, e.g. ``http://localhost:8888/``. Authentication is ``--api-key`` (or
``$CONVERGENCE_API_KEY``), sent as ``Authorization: Bearer``; or a Jupyter ``--token``
(``$JUPYTER_TOKEN``). Security: prefer the environment variables to the options, which other
users of the machine can read in the process list.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import types
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel

if TYPE_CHECKING:
    from convergence_jupyter.rest.framework import Operation, Router

from .exit_codes import ExitCode, Failure, for_http_status
from .output import FORMATS, dumps, emit, error, wants_json

URL_ENV = "CONVERGENCE_URL"
API_KEY_ENV = "CONVERGENCE_API_KEY"
TOKEN_ENV = "JUPYTER_TOKEN"  # noqa: S105  (the name of a variable, not a secret)
#: Path parameters that default to the global ``--namespace``/``--domain``.
_DOMAIN_PARAMS = ("namespace", "domain")
QueryValue = str | int | float | bool | None


def command_name(operation_id: str) -> str:
    """``listApiKeys`` → ``list-api-keys``; ``getOpenAPIDocument`` → ``get-open-api-document``."""
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1-\2", operation_id)
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", spaced)
    return spaced.replace("_", "-").lower()


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) in (list, tuple, set, frozenset):
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_list(a) for a in typing.get_args(annotation))
    return False


def _is_bool(annotation: Any) -> bool:
    if annotation is bool:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args == [bool]
    return False


def _body_help(body: type[BaseModel]) -> str:
    fields = [
        f"{name}{'' if info.is_required() else '?'}" for name, info in body.model_fields.items()
    ]
    return f"request body ({body.__name__}: {', '.join(fields)}) as JSON, @FILE or - for stdin"


def connection_options() -> argparse.ArgumentParser:
    """Options every remote command takes (a parent parser)."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("server")
    group.add_argument(
        "--url", default=None, help=f"the Jupyter server, with its base URL (default: ${URL_ENV})"
    )
    group.add_argument(
        "--api-key", default=None, help=f"an API key (default: ${API_KEY_ENV}; prefer the variable)"
    )
    group.add_argument(
        "--token", default=None, help=f"a Jupyter token instead of an API key (${TOKEN_ENV})"
    )
    group.add_argument("--timeout", type=float, default=30.0, help="seconds (default: 30)")
    parent.add_argument("--output", choices=FORMATS, default=argparse.SUPPRESS)
    return parent


#: The REST API's path below the Jupyter base URL (``rest.framework.API_PREFIX``; a test
#: checks they agree, so that the CLI does not import the server to start).
API_PREFIX = "convergence/api/v1"
_API_HELP = "call any REST operation of a running server (generated from the API registry)"


def add_api_placeholder(topics: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Lists ``api`` in the top-level help without importing the server's REST modules (the
    real commands are built when the command line names ``api``)."""
    topics.add_parser("api", help=_API_HELP)


def add_api_commands(
    topics: argparse._SubParsersAction[argparse.ArgumentParser], routers: list[Router]
) -> None:
    """``api <tag> <operation>`` for every operation of ``routers``."""
    api = topics.add_parser(
        "api",
        help=_API_HELP,
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    tags = api.add_subparsers(dest="api_tag", required=True, metavar="RESOURCE")
    parent = connection_options()
    for router in routers:
        group = tags.add_parser(router.tag, help=router.description or f"{router.tag} operations")
        operations = group.add_subparsers(dest="api_operation", required=True, metavar="OPERATION")
        for op in router.operations:
            _add_operation(operations, op, parent)


def _add_operation(
    operations: argparse._SubParsersAction[argparse.ArgumentParser],
    op: Operation,
    parent: argparse.ArgumentParser,
) -> None:
    sub = operations.add_parser(
        command_name(op.operation_id),
        help=op.summary,
        description=f"{op.method} {API_PREFIX}{op.path} ({op.scope.value} scope)\n\n"
        f"{op.summary}. {op.description}".strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[parent],
    )
    sub.set_defaults(remote=op)
    used = {"--url", "--api-key", "--token", "--timeout", "--output", "--data", "--help"}
    params = sub.add_argument_group("path parameters")
    for name in op.path_params:
        flag = _option(name)
        used.add(flag)
        if name in _DOMAIN_PARAMS:
            params.add_argument(
                flag, dest=f"path_{name}", default=None, help=f"default: the global --{name}"
            )
        else:
            params.add_argument(flag, dest=f"path_{name}", required=True)
    if op.query is not None:
        query = sub.add_argument_group("query parameters")
        for name, info in op.query.model_fields.items():
            flag = _option(name)
            if flag in used:
                flag = _option(f"query_{name}")
            used.add(flag)
            help_text = info.description or ""
            if _is_bool(info.annotation):
                query.add_argument(
                    flag,
                    dest=f"query_{name}",
                    action=argparse.BooleanOptionalAction,
                    default=None,
                    help=help_text,
                )
            elif typing.get_origin(info.annotation) is typing.Literal:
                query.add_argument(
                    flag,
                    dest=f"query_{name}",
                    choices=[str(c) for c in typing.get_args(info.annotation)],
                    default=None,
                    help=help_text,
                )
            elif _is_list(info.annotation):
                query.add_argument(
                    flag, dest=f"query_{name}", action="append", default=None, help=help_text
                )
            else:
                query.add_argument(flag, dest=f"query_{name}", default=None, help=help_text)
    if op.body is not None:
        required = any(info.is_required() for info in op.body.model_fields.values())
        sub.add_argument("--data", required=required, default=None, help=_body_help(op.body))


def _read_data(value: str) -> Any:
    if value == "-":
        text = sys.stdin.read()
    elif value.startswith("@"):
        try:
            text = Path(value[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise Failure(f"--data {value}: {exc.strerror}", ExitCode.USAGE) from None
    else:
        text = value
    try:
        return json.loads(text)
    except ValueError as exc:
        raise Failure(f"--data is not valid JSON: {exc}", ExitCode.USAGE) from None


def build_request(
    op: Operation, args: argparse.Namespace
) -> tuple[str, list[tuple[str, QueryValue]], Any]:
    """The path (below the API prefix), query pairs and JSON body for ``args``."""
    path = op.path
    for name in op.path_params:
        value = getattr(args, f"path_{name}")
        if value is None and name in _DOMAIN_PARAMS:
            value = getattr(args, name)
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    query: list[tuple[str, QueryValue]] = []
    if op.query is not None:
        for name in op.query.model_fields:
            value = getattr(args, f"query_{name}", None)
            if value is None:
                continue
            for item in value if isinstance(value, list) else [value]:
                query.append((name, str(item).lower() if isinstance(item, bool) else str(item)))
    body: Any = None
    if op.body is not None:
        body = {} if args.data is None else _read_data(args.data)
    return path, query, body


def _problem_message(status: int, payload: Any) -> str:
    if isinstance(payload, dict) and "title" in payload:
        message = f"{status} {payload.get('title')}"
        if payload.get("detail"):
            message += f": {payload['detail']}"
        for item in payload.get("errors") or []:
            loc = ".".join(str(part) for part in item.get("loc", []))
            message += f"\n  {loc}: {item.get('msg')}"
        return message
    return f"HTTP {status}"


def run_remote(args: argparse.Namespace) -> int:
    """Send the request ``args`` describe; print the answer; return the exit code."""
    op: Operation = args.remote
    base = args.url or os.environ.get(URL_ENV)
    if not base:
        raise Failure(f"give --url or set ${URL_ENV} (e.g. http://localhost:8888/)", ExitCode.USAGE)
    path, query, body = build_request(op, args)
    url = base.rstrip("/") + "/" + API_PREFIX + path
    headers = {"Accept": "application/json"}
    key = args.api_key or os.environ.get(API_KEY_ENV)
    token = args.token or os.environ.get(TOKEN_ENV)
    if key:
        headers["Authorization"] = f"Bearer {key}"
    elif token:
        headers["Authorization"] = f"token {token}"
    try:
        with httpx.Client(timeout=args.timeout, follow_redirects=False) as client:
            response = client.request(
                op.method,
                url,
                params=query,
                content=None if body is None else dumps(body).encode("utf-8"),
                headers=headers
                if body is None
                else {**headers, "Content-Type": "application/json"},
            )
    except httpx.TimeoutException:
        raise Failure(f"{url}: no answer within {args.timeout} s", ExitCode.UNAVAILABLE) from None
    except httpx.TransportError as exc:
        raise Failure(f"cannot reach {base}: {exc}", ExitCode.UNAVAILABLE) from None
    payload: Any = None
    if response.content:
        try:
            payload = response.json()
        except ValueError:
            payload = response.text
    if response.is_success:
        if payload is None:
            if wants_json(args):
                print("null")
        else:
            emit(args, payload)
        return ExitCode.OK
    if wants_json(args):
        print(dumps(payload))
    error(_problem_message(response.status_code, payload))
    return for_http_status(response.status_code)
