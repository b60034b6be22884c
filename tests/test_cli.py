"""The direct-database commands of ``convergence-jupyter``: text for people, ``--output json``
for scripts (also after the command), and exit codes that tell failures apart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from database_backends import BACKENDS, database_url

from convergence_jupyter.admin.exit_codes import ExitCode
from convergence_jupyter.cli import main


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_url(request, tmp_path)


def run(db: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--database-url", db, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(db: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code, out, _ = run(db, capsys, "--output", "json", *argv)
    return code, json.loads(out) if out.strip() else None


def test_users_groups_and_keys_with_json_output(
    db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(
        db, capsys, "user", "create", "alice", "--password", "pw", "--email", "a@x.org"
    )
    assert (code, out) == (ExitCode.OK, "created user alice\n")
    assert run_json(db, capsys, "user", "create", "bob")[0] == ExitCode.OK
    code, users = run_json(db, capsys, "user", "list")
    assert code == ExitCode.OK
    assert [(u["username"], u["email"]) for u in users] == [("alice", "a@x.org"), ("bob", None)]
    # --output after the command means the same
    code, out, _ = run(db, capsys, "user", "list", "--output", "json")
    assert json.loads(out) == users

    code, group = run_json(db, capsys, "group", "create", "eds", "--member", "alice")
    assert code == ExitCode.OK and group == {"created": "eds", "members": ["alice"]}

    code, domains = run_json(db, capsys, "domain", "list")
    assert code == ExitCode.OK and {d["domain"] for d in domains} == {"default"}
    code, configured = run_json(db, capsys, "domain", "configure", "--anonymous-auth", "on")
    assert configured["anonymous_auth"] is True and configured["status"] == "online"
    code, grants = run_json(db, capsys, "domain", "permissions", "list")
    assert code == ExitCode.OK and grants["world"] == ["create_chat_channel"]

    code, revision = run_json(db, capsys, "db", "current")
    assert code == ExitCode.OK and revision["revision"]

    code, keys = run_json(db, capsys, "jwt-key", "list")
    assert (code, keys) == (ExitCode.OK, [])


@pytest.mark.parametrize(
    ("argv", "expected", "message"),
    [
        (["user", "create", "alice"], ExitCode.CONFLICT, "already exists"),
        (["user", "delete", "nobody"], ExitCode.NOT_FOUND, "no user 'nobody'"),
        (["user", "set-password", "nobody", "--password", "x"], ExitCode.NOT_FOUND, "no user"),
        (["user", "set-password", "alice"], ExitCode.USAGE, "--password-stdin"),
        (["group", "create", "g", "--member", "ghost"], ExitCode.NOT_FOUND, "no user 'ghost'"),
        (["jwt-key", "remove", "nope"], ExitCode.NOT_FOUND, "no JWT key"),
        (["api-key", "revoke", "0000000000000000"], ExitCode.NOT_FOUND, "no API key"),
        (["export", "x.jsonl", "--progress", "never"], ExitCode.OK, ""),
        (["import", "missing.jsonl"], ExitCode.USAGE, "no such file"),
    ],
)
def test_exit_codes(
    db: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    argv: list[str],
    expected: ExitCode,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(db, capsys, "user", "create", "alice")[0] == ExitCode.OK
    code, _, err = run(db, capsys, *argv)
    assert code == expected, err
    assert message in err


def test_usage_errors_exit_with_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["user", "frobnicate"])
    assert exited.value.code == ExitCode.USAGE
    with pytest.raises(SystemExit) as exited:
        main(["--output", "yaml", "user", "list"])
    assert exited.value.code == ExitCode.USAGE


def test_an_unreachable_database_is_unavailable(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--database-url", "postgresql://nobody@127.0.0.1:1/none", "user", "list"])
    assert code == ExitCode.UNAVAILABLE
    assert "database cannot be used" in capsys.readouterr().err


def test_api_key_create_prints_the_key_once_and_stores_its_hash(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        db, capsys, "api-key", "create", "--owner", "ops", "--name", "ci", "--scope", "write"
    )
    assert code == ExitCode.OK
    token = out.splitlines()[0]
    assert token.startswith("cvk_") and "shown only now" in out
    code, keys = run_json(db, capsys, "api-key", "list")
    assert [(k["owner"], k["name"], k["scopes"]) for k in keys] == [
        ("ops", "ci", ["read", "write"])
    ]
    assert token not in json.dumps(keys)
    code, _, err = run(db, capsys, "api-key", "create", "--owner", "ops", "--name", "ci")
    assert code == ExitCode.CONFLICT and "already has a key" in err
    assert run(db, capsys, "api-key", "revoke", keys[0]["key_id"])[0] == ExitCode.OK
    assert run_json(db, capsys, "api-key", "list") == (ExitCode.OK, [])


def test_export_and_import_through_the_cli(
    db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(
        db,
        capsys,
        "--namespace",
        "acme",
        "--domain",
        "main",
        "user",
        "create",
        "alice",
        "--password",
        "pw",
    )
    run(
        db,
        capsys,
        "--namespace",
        "acme",
        "--domain",
        "main",
        "group",
        "create",
        "g",
        "--member",
        "alice",
    )
    archive = tmp_path / "acme.jsonl.gz"
    code, summary = run_json(
        db,
        capsys,
        "--namespace",
        "acme",
        "--domain",
        "main",
        "export",
        str(archive),
        "--progress",
        "never",
    )
    assert code == ExitCode.OK
    assert summary["counts"]["user"] == 1 and summary["counts"]["group_member"] == 1
    code, _, err = run(
        db, capsys, "--namespace", "acme", "--domain", "nope", "export", str(archive)
    )
    assert code == ExitCode.NOT_FOUND, err
    target = f"sqlite:///{tmp_path / 'target.db'}"
    code, loaded = run_json(target, capsys, "import", str(archive), "--progress", "never")
    assert code == ExitCode.OK and loaded["counts"] == summary["counts"]
    assert (loaded["namespace"], loaded["domain"]) == ("acme", "main")
    code, users = run_json(
        target, capsys, "--namespace", "acme", "--domain", "main", "user", "list"
    )
    assert [u["username"] for u in users] == ["alice"]
    code, _, err = run(target, capsys, "import", str(archive))
    assert code == ExitCode.CONFLICT and "already holds data" in err
    code, moved = run_json(target, capsys, "import", str(archive), "--into", "acme/copy")
    assert code == ExitCode.OK and moved["domain"] == "copy"
    code, _, err = run(target, capsys, "import", str(archive), "--into", "nodomain")
    assert code == ExitCode.USAGE and "NAMESPACE/DOMAIN" in err
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join(archive.read_bytes().decode("latin-1").splitlines()[:1]))
    code, _, err = run(target, capsys, "import", str(broken))
    assert code == ExitCode.USAGE
