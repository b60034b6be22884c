"""A crash in the middle of creating a workspace leaves nothing half-made: a real server
process exits (``os._exit``) at a fault point inside the creating transaction; after a
restart on the same database no part of the workspace exists, and creating it succeeds."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from convergence_jupyter.workspaces.service import FAULT_ENV, FAULT_POINTS

from .live_server import TOKEN_HEADERS, serve

D = "/convergence/api/v1/domains/convergence/default"
BODY = {
    "id": "proj",
    "type": "notebook-project",
    "items": {"notebook": ["a", "b"]},
    "members": [{"user": {"username": "alice"}}],
}
PARTS = ("/models/proj.notebook.a", "/models/proj.notebook.b", "/chats/proj.chat",
         "/activities/notebook-project/proj.project", "/workspaces/proj")  # fmt: skip


#: The first and the last fault point (``FAULT_POINTS`` has all; each case starts two servers).
@pytest.mark.parametrize("point", [FAULT_POINTS[0], FAULT_POINTS[-1]])
def test_a_crash_mid_creation_leaves_nothing(
    rest_db_url: str, tmp_path: Path, point: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FAULT_ENV, point)
    with serve(rest_db_url, tmp_path / "crashing") as base, httpx.Client(timeout=60) as http:
        made = http.post(f"{base}{D}/users", headers=TOKEN_HEADERS, json={"username": "alice"})
        assert made.status_code == 201, made.text
        with pytest.raises(httpx.HTTPError):
            http.post(f"{base}{D}/workspaces", headers=TOKEN_HEADERS, json=BODY)
        with pytest.raises(httpx.HTTPError):
            http.get(f"{base}/convergence/api/v1/ready")  # the process is gone
    monkeypatch.delenv(FAULT_ENV)
    with serve(rest_db_url, tmp_path / "restarted") as base, httpx.Client(timeout=60) as http:
        for path in PARTS:
            found = http.get(f"{base}{D}{path}", headers=TOKEN_HEADERS)
            assert found.status_code == 404, (path, found.text)
        listed = http.get(f"{base}{D}/workspaces", headers=TOKEN_HEADERS)
        assert listed.json()["total"] == 0
        made = http.post(f"{base}{D}/workspaces", headers=TOKEN_HEADERS, json=BODY)
        assert made.status_code == 201, made.text
        for path in PARTS:
            assert http.get(f"{base}{D}{path}", headers=TOKEN_HEADERS).status_code == 200, path
