"""Path-level model permissions with real rc.12 clients (issue 12): the exam use case with
three users. The model (title, questions, one answer object per student) is made over REST
with the teacher as its manager and both students as readers and writers; path grants say the
world may read everything but write nothing, nobody but the owner may read or write an answer.

Checked: each student's opened and live view holds only their own answer; every byte each
student's client received (captured from its socket) is free of the other's answer text and
the teacher's grade; all clients end at the same version and each one's view equals a fresh
open for that user; a write outside a student's paths closes that student's model with a
reason and leaves no trace (a fresh open has the data and version as before, plus the
teacher's later edit)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from .collab import PW
from .conftest import Admin
from .harness import ServerProcess, http_request, run_scenario, unique

pytestmark = pytest.mark.e2e

DOMAIN_PATH = "convergence/api/v1/domains/convergence/default"


def _rest(server: ServerProcess, method: str, path: str, body: object) -> tuple[int | None, Any]:
    status, text = http_request(
        f"{server.http_url}{DOMAIN_PATH}{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"token {server.token}", "Content-Type": "application/json"},
        timeout=20,
    )
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def _user(name: str) -> dict[str, str]:
    return {"username": name, "type": "normal"}


def test_exam_each_student_sees_and_writes_only_their_answer(
    server: ServerProcess, admin: Admin
) -> None:
    teacher, alice, bob = unique("teacher"), unique("alice"), unique("bob")
    with admin.batch() as batch:
        for name in (teacher, alice, bob):
            batch.create_user(name, PW)
    collection, model_id = unique("exam-"), unique("exam-")
    status, body = _rest(
        server,
        "POST",
        "/collections",
        {
            "id": collection,
            "world": {
                "read": False,
                "write": False,
                "remove": False,
                "manage": False,
                "create": False,
            },
        },
    )
    assert status == 201, body
    secret_a, secret_b = unique("ALICEINITIAL"), unique("BOBINITIAL")
    data = {
        "title": "Exam",
        "questions": [{"text": "2+2?"}, {"text": "Capital of France?"}],
        "answers": {alice: {"text": secret_a}, bob: {"text": secret_b}},
    }
    rw = {"read": True, "write": True, "remove": False, "manage": False}
    status, body = _rest(
        server,
        "POST",
        f"/collections/{collection}/models",
        {
            "id": model_id,
            "data": data,
            "users": [
                {"user": _user(teacher), "permissions": {**rw, "manage": True}},
                {"user": _user(alice), "permissions": rw},
                {"user": _user(bob), "permissions": rw},
            ],
        },
    )
    assert status == 201, body
    grants = [
        {"path": "", "subject": {"kind": "world"}, "read": True, "write": False},
        {"path": "/answers", "subject": {"kind": "world"}, "read": False, "write": False},
        {
            "path": f"/answers/{alice}",
            "subject": {"kind": "user", "user": _user(alice)},
            "read": True,
            "write": True,
        },
        {
            "path": f"/answers/{bob}",
            "subject": {"kind": "user", "user": _user(bob)},
            "read": True,
            "write": True,
        },
    ]
    for grant in grants:
        status, body = _rest(server, "PUT", f"/models/{model_id}/path-permissions", grant)
        assert status == 200, body
    assert len(body["grants"]) == 4, body
    # A read restriction through an array index is refused (indices shift).
    status, body = _rest(
        server,
        "PUT",
        f"/models/{model_id}/path-permissions",
        {"path": "/questions/0", "subject": {"kind": "world"}, "read": False},
    )
    assert status == 400, body

    marks = {
        "alice": unique("ALICEANS"),
        "bob": unique("BOBANS"),
        "grade": unique("GRADE"),
        "question": unique("Q"),
    }
    r = run_scenario(
        "models_paths",
        {
            "url": server.url,
            "modelId": model_id,
            "password": PW,
            "teacher": teacher,
            "alice": alice,
            "bob": bob,
            "marks": marks,
        },
        timeout=120,
    )
    assert r.get("ok"), (r, r.stderr[-3000:])
    wire = {who: base64.b64decode(text) for who, text in r["frames"].items()}

    # Opened views: the other's answer key is absent.
    assert r["opened"]["teacher"]["answers"].keys() == {alice, bob}
    assert r["opened"]["alice"]["answers"] == {alice: {"text": secret_a}}
    assert r["opened"]["bob"]["answers"] == {bob: {"text": secret_b}}
    assert r["opened"]["alice"]["questions"] == data["questions"]

    # Same version everywhere; each live view equals a fresh open for that user.
    versions = r["versions"]
    assert versions["alice"] == versions["bob"] == versions["teacher"], versions
    assert r["fresh"]["aliceVersion"] == r["fresh"]["bobVersion"] == versions["teacher"]
    assert r["live"]["alice"] == r["fresh"]["alice"]
    assert r["live"]["bob"] == r["fresh"]["bob"]
    teacher_view = r["live"]["teacher"]
    assert teacher_view["answers"][bob]["grade"] == marks["grade"]
    assert teacher_view["answers"][alice]["seen"] is True
    assert all(f"{marks['alice']}{i}" in teacher_view["answers"][alice]["text"] for i in range(3))
    assert all(f"{marks['bob']}{i}" in teacher_view["answers"][bob]["text"] for i in range(3))
    # A student's view is the teacher's minus the other answer.
    assert r["live"]["alice"] == {
        **teacher_view,
        "answers": {alice: teacher_view["answers"][alice]},
    }
    assert r["live"]["bob"] == {**teacher_view, "answers": {bob: teacher_view["answers"][bob]}}

    # On the wire: nothing of the other's answer or of bob's grade ever reached a student.
    for student, other_marks in (
        # (bob's username does reach alice: as a session's user, and in the refusal of her
        # own write to /answers/<bob>; the views above show it is never a key she holds.)
        ("alice", [secret_b, marks["bob"], marks["grade"]]),
        ("alice2", [secret_b, marks["bob"], marks["grade"]]),
        ("bob", [secret_a, marks["alice"]]),
        ("bob2", [secret_a, marks["alice"]]),
    ):
        for mark in other_marks:
            assert mark.encode() not in wire[student], (student, mark)
    # ... while the same bytes did reach the teacher and the students got their own data.
    for mark in (secret_a, secret_b, marks["alice"], marks["bob"], marks["grade"]):
        assert mark.encode() in wire["teacher"] or mark.encode() in wire["check"], mark
    assert marks["bob"].encode() not in wire["alice"]
    assert marks["question"].encode() in wire["alice"] and marks["question"].encode() in wire["bob"]

    # Refused writes close the sender's model with the reason and leave no trace.
    assert r["aliceRefused"] and f"/answers/{bob}" in r["aliceRefused"], r["aliceRefused"]
    assert r["bobRefused"] and "/title" in r["bobRefused"], r["bobRefused"]
    after = r["after"]
    assert after["version"] == versions["teacher"] + 1, after
    assert after["data"] == {**teacher_view, "title": "T" + teacher_view["title"]}
    assert after["data"] == after["teacher"]
    status, stored = _rest(server, "GET", f"/models/{model_id}", None)
    assert status == 200 and stored["data"] == after["data"], stored

    # Listing and deleting grants over REST.
    url = f"/models/{model_id}/path-permissions"
    status, listed = _rest(server, "GET", url, None)
    assert status == 200 and len(listed["grants"]) == 4, listed
    bob_key = {"path": f"/answers/{bob}", "subject": {"kind": "user", "user": _user(bob)}}
    status, left = _rest(server, "DELETE", url, bob_key)
    assert status == 200 and len(left["grants"]) == 3, left
    assert _rest(server, "DELETE", url, bob_key)[0] == 404
    missing = {"path": "/x", "subject": {"kind": "group", "group": unique("nogroup")}}
    assert _rest(server, "PUT", url, {**missing, "read": True})[0] == 400
