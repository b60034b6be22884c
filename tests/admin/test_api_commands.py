"""The generated ``api`` commands: one per registry operation (new operations included
automatically), and requests built from the command line the way the server reads them."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from convergence_jupyter.admin import api_commands
from convergence_jupyter.admin.api_commands import build_request, command_name
from convergence_jupyter.admin.exit_codes import ExitCode, Failure, for_http_status
from convergence_jupyter.cli import build_parser
from convergence_jupyter.rest.framework import API_PREFIX, Operation, RouteTable
from convergence_jupyter.rest.registry import ROUTERS

OPERATIONS = RouteTable(ROUTERS).operations


def _argv(op: Operation) -> list[str]:
    """The shortest command line for ``op``: required path parameters and, when the body
    has required fields, ``--data``."""
    argv = ["api", op.tag, command_name(op.operation_id)]
    for name in op.path_params:
        if name not in ("namespace", "domain"):
            argv += [f"--{name.replace('_', '-')}", f"x-{name}"]
    if op.body is not None and any(f.is_required() for f in op.body.model_fields.values()):
        argv += ["--data", "{}"]
    return argv


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
def test_every_registry_operation_has_a_command(op: Operation) -> None:
    args = build_parser().parse_args(_argv(op))
    assert args.remote is op
    path, _query, _body = build_request(op, args)
    # every path parameter was filled in; none is left as a {placeholder}
    assert "{" not in path and path.count("/") == op.path.count("/")


def test_no_command_without_an_operation() -> None:
    parser = build_parser()
    api = _subcommands(parser)["api"]
    commands = {
        (tag, name) for tag, group in _subcommands(api).items() for name in _subcommands(group)
    }
    assert commands == {(op.tag, command_name(op.operation_id)) for op in OPERATIONS}


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_the_cli_knows_where_the_api_lives() -> None:
    assert api_commands.API_PREFIX == API_PREFIX


@pytest.mark.parametrize(
    ("operation_id", "name"),
    [
        ("listApiKeys", "list-api-keys"),
        ("getServerInfo", "get-server-info"),
        ("getOpenAPIDocument", "get-open-api-document"),
        ("revokeApiKey", "revoke-api-key"),
    ],
)
def test_command_names(operation_id: str, name: str) -> None:
    assert command_name(operation_id) == name


def _op(operation_id: str) -> Operation:
    return next(op for op in OPERATIONS if op.operation_id == operation_id)


def test_path_parameters_are_quoted_and_default_to_the_global_domain() -> None:
    op = _op("getModel")
    args = build_parser().parse_args(
        ["--namespace", "acme", "api", "models", "get-model", "--model-id", "a/b c%"]
    )
    path, _, _ = build_request(op, args)
    assert path == "/domains/acme/default/models/a%2Fb%20c%25"
    args = build_parser().parse_args(
        ["api", "models", "get-model", "--model-id", "m", "--domain", "other"]
    )
    assert build_request(op, args)[0] == "/domains/convergence/other/models/m"


def test_query_options_bools_and_choices() -> None:
    op = _op("listUsers")
    args = build_parser().parse_args(
        ["api", "users", "list-users", "--limit", "5", "--descending", "--order", "email"]
    )
    _, query, body = build_request(op, args)
    assert sorted(query) == [("descending", "true"), ("limit", "5"), ("order", "email")]
    assert body is None
    args = build_parser().parse_args(["api", "users", "list-users", "--no-descending"])
    assert build_request(op, args)[1] == [("descending", "false")]
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["api", "users", "list-users", "--order", "shoe-size"])
    assert exited.value.code == ExitCode.USAGE


def test_body_from_option_file_and_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    op = _op("createUser")
    body = {"username": "zoe", "display_name": "Zoë"}
    file = tmp_path / "body.json"
    file.write_text(json.dumps(body), encoding="utf-8")
    base = ["api", "users", "create-user", "--data"]
    for value in (json.dumps(body), f"@{file}", "-"):
        monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(body)))
        assert build_request(op, build_parser().parse_args([*base, value]))[2] == body
    for bad in ("{nope", f"@{tmp_path / 'missing.json'}"):
        with pytest.raises(Failure) as failed:
            build_request(op, build_parser().parse_args([*base, bad]))
        assert failed.value.code == ExitCode.USAGE
    # a body whose fields are all optional may be left out: {} is sent
    op = _op("createModel")
    args = build_parser().parse_args(["api", "models", "create-model", "--collection-id", "docs"])
    assert build_request(op, args)[2] == {}


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, ExitCode.USAGE),
        (401, ExitCode.DENIED),
        (403, ExitCode.DENIED),
        (404, ExitCode.NOT_FOUND),
        (409, ExitCode.CONFLICT),
        (500, ExitCode.ERROR),
        (503, ExitCode.ERROR),
    ],
)
def test_http_statuses_map_to_distinct_exit_codes(status: int, code: ExitCode) -> None:
    assert for_http_status(status) is code


def test_a_missing_url_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from convergence_jupyter.cli import main

    monkeypatch.delenv("CONVERGENCE_URL", raising=False)
    assert main(["api", "server", "get-server-info"]) == ExitCode.USAGE


def test_an_unreachable_server_is_unavailable(free_tcp_port: int) -> None:
    from convergence_jupyter.cli import main

    url = f"http://127.0.0.1:{free_tcp_port}/"
    assert main(["api", "server", "get-server-info", "--url", url]) == ExitCode.UNAVAILABLE
