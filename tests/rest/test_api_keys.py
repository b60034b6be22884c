"""User API keys through the REST API: created and shown once, stored as a hash only, used as
bearer tokens, scoped, expired, revoked (refused on the very next request), and the 400/401/
403/404/409 problems."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from convergence_jupyter.store.api_key_tables import ApiKeyRow

from .conftest import Api


async def _create(api: Api, user: str = "admin1", **body: Any) -> dict[str, Any]:
    body.setdefault("name", "ci")
    reply = await api("POST", "/api-keys", user=user, body=body)
    assert reply.status == 201, reply.body
    return dict(reply.body)


async def test_a_key_is_shown_once_and_only_its_hash_is_stored(api: Api, app: Any) -> None:
    created = await _create(api, scopes=["read"])
    token = created["key"]
    assert token.startswith("cvk_" + created["key_id"] + "_")
    assert created["owner"] == "admin1" and created["scopes"] == ["read"]
    shown = await api("GET", f"/api-keys/{created['key_id']}", user="admin1")
    assert shown.status == 200 and "key" not in shown.body
    listed = await api("GET", "/api-keys", user="admin1")
    assert [k["key_id"] for k in listed.body["items"]] == [created["key_id"]]
    assert all("key" not in k for k in listed.body["items"])
    async with app.database.transaction(readonly=True) as session:
        rows = (await session.execute(select(ApiKeyRow.__table__))).all()
    assert len(rows) == 1
    stored = [str(value) for value in rows[0]]
    assert all(token not in value and token.split("_")[-1] not in value for value in stored)
    assert hashlib.sha256(token.encode()).hexdigest() in stored


async def test_a_key_authenticates_with_its_scopes_and_records_its_use(api: Api) -> None:
    created = await _create(api, user="writer1", scopes=["write"])
    assert created["scopes"] == ["write"] and created["last_used_at"] is None
    reply = await api("GET", "/server", key=created["key"])
    assert reply.status == 200
    assert reply.body["caller"] == {
        "username": "writer1",
        "display_name": "writer1",
        "scopes": ["read", "write"],
        "via": "api_key",
        "api_key_id": created["key_id"],
    }
    shown = await api("GET", f"/api-keys/{created['key_id']}", key=created["key"])
    assert shown.body["last_used_at"] is not None


async def test_a_read_key_cannot_write(api: Api) -> None:
    key = (await _create(api, scopes=["read"]))["key"]
    reply = await api("POST", "/api-keys", key=key, body={"name": "more"})
    assert reply.status == 403
    assert "write" in reply.problem["detail"]
    assert (await api("GET", "/api-keys", key=key)).status == 200


async def test_a_write_key_cannot_reach_admin_operations(api: Api) -> None:
    key = (await _create(api, scopes=["write"]))["key"]
    reply = await api("POST", "/domains", key=key, body={"namespace": "n", "name": "d"})
    assert reply.status == 403
    assert "admin" in reply.problem["detail"]


async def test_nobody_can_grant_more_than_they_have(api: Api) -> None:
    reply = await api("POST", "/api-keys", user="writer1", body={"name": "x", "scopes": ["admin"]})
    assert reply.status == 403
    assert "admin" in reply.problem["detail"]
    write_key = (await _create(api, user="writer1", scopes=["write"]))["key"]
    reply = await api("POST", "/api-keys", key=write_key, body={"name": "y", "scopes": ["admin"]})
    assert reply.status == 403
    read_only = await api("POST", "/api-keys", key=write_key, body={"name": "z"})
    assert read_only.status == 201 and read_only.body["scopes"] == ["read"]


async def test_an_expired_key_is_refused(api: Api, app: Any) -> None:
    created = await _create(api)
    assert (await api("GET", "/server", key=created["key"])).status == 200
    async with app.database.transaction() as session:
        await session.execute(
            update(ApiKeyRow)
            .where(ApiKeyRow.key_id == created["key_id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    reply = await api("GET", "/server", key=created["key"])
    assert reply.status == 401
    assert "expired" in reply.problem["detail"]


async def test_a_revoked_key_is_refused_on_the_next_request(api: Api) -> None:
    created = await _create(api)
    assert (await api("GET", "/server", key=created["key"])).status == 200
    revoked = await api("DELETE", f"/api-keys/{created['key_id']}", key=created["key"])
    assert revoked.status == 204
    assert (await api("GET", "/server", key=created["key"])).status == 401
    gone = await api("GET", f"/api-keys/{created['key_id']}", user="admin1")
    assert gone.status == 404 and gone.problem


async def test_a_forged_secret_for_a_real_key_id_is_refused(api: Api) -> None:
    created = await _create(api)
    forged = created["key"][:-4] + ("AAAA" if not created["key"].endswith("AAAA") else "BBBB")
    assert (await api("GET", "/server", key=forged)).status == 401


async def test_duplicate_name_is_409(api: Api) -> None:
    await _create(api, name="twice")
    reply = await api("POST", "/api-keys", user="admin1", body={"name": "twice"})
    assert reply.status == 409
    assert reply.problem["title"] == "Conflict"
    # Another owner may use the same name.
    assert (await api("POST", "/api-keys", user="writer1", body={"name": "twice"})).status == 201


async def test_bad_bodies_are_400_with_the_validation_errors(api: Api) -> None:
    for body, where in (
        ({"name": ""}, ["body", "name"]),
        ({"name": "x", "scopes": ["root"]}, ["body", "scopes", 0]),
        ({"name": "x", "scopes": []}, ["body", "scopes"]),
        ({"name": "x", "extra": 1}, ["body", "extra"]),
        ({"name": "x", "expires_at": "2020-01-01T00:00:00"}, ["body", "expires_at"]),
    ):
        reply = await api("POST", "/api-keys", user="admin1", body=body)
        assert reply.status == 400, body
        assert [e["loc"] for e in reply.problem["errors"]] == [where], reply.body
    past = await api(
        "POST", "/api-keys", user="admin1", body={"name": "x", "expires_at": "2020-01-01T00:00Z"}
    )
    assert past.status == 400 and "future" in past.problem["detail"]
    broken = await api("POST", "/api-keys", user="admin1", raw_body=b"{not json")
    assert broken.status == 400 and broken.problem["errors"][0]["type"] == "json_invalid"


async def test_bad_paging_is_400(api: Api) -> None:
    for params in ({"limit": "0"}, {"limit": "1001"}, {"offset": "-1"}, {"nope": "1"}):
        reply = await api("GET", "/api-keys", user="admin1", params=params)
        assert reply.status == 400, params
        assert reply.problem["errors"]


async def test_without_credentials_it_is_401(api: Api) -> None:
    for method, path in (("GET", "/api-keys"), ("POST", "/api-keys")):
        reply = await api(method, path, anonymous=True, body={"name": "x"})
        assert reply.status == 401 and reply.problem


async def test_other_peoples_keys_are_hidden_unless_admin(api: Api) -> None:
    theirs = await _create(api, user="writer1", name="theirs")
    mine = await api("GET", f"/api-keys/{theirs['key_id']}", user="writer2")
    assert mine.status == 404 and mine.problem
    assert (await api("DELETE", f"/api-keys/{theirs['key_id']}", user="writer2")).status == 404
    listed = await api("GET", "/api-keys", user="writer2", params={"owner": "writer1"})
    assert listed.status == 403 and listed.problem
    everyone = await api("GET", "/api-keys", user="writer2", params={"all_owners": "true"})
    assert everyone.status == 403
    seen = await api("GET", "/api-keys", user="admin1", params={"owner": "writer1"})
    assert [k["key_id"] for k in seen.body["items"]] == [theirs["key_id"]]
    assert (await api("DELETE", f"/api-keys/{theirs['key_id']}", user="admin1")).status == 204
    assert (await api("GET", "/server", key=theirs["key"])).status == 401


async def test_paging_of_keys(api: Api) -> None:
    for n in range(5):
        await _create(api, name=f"k{n}")
    page = await api("GET", "/api-keys", user="admin1", params={"offset": "1", "limit": "2"})
    assert page.status == 200
    assert page.body["total"] == 5 and page.body["offset"] == 1 and page.body["limit"] == 2
    assert [k["name"] for k in page.body["items"]] == ["k3", "k2"]


async def test_keys_never_reach_the_logs(api: Api, jp_serverapp: Any) -> None:
    """Every logger at DEBUG while a key is created, used, refused and revoked."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep(level=logging.DEBUG)
    loggers = [logging.getLogger(), jp_serverapp.log, logging.getLogger("tornado")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(keep)
        lg.setLevel(logging.DEBUG)
    try:
        created = await _create(api, scopes=["write"])
        key = created["key"]
        await api("GET", "/server", key=key)
        await api("GET", "/no/such/route", key=key)
        await api("DELETE", "/server", key=key)
        await api("POST", "/api-keys", key=key, raw_body=b"{broken")
        await api("POST", "/domains", key=key, body={"namespace": "a", "name": "b"})
        await api("GET", "/server", key=key[:-1] + ("A" if key[-1] != "A" else "B"))
        await api("GET", "/server", key="cvk_not_even_the_right_shape")
        await api("DELETE", f"/api-keys/{created['key_id']}", key=key)
        await api("GET", "/server", key=key)
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.removeHandler(keep)
            lg.setLevel(level)
    secret = key.rsplit("_", 1)[1]
    text = "\n".join(keep.format(r) for r in records)
    assert records and "api-keys" in text  # the access log did run
    assert secret not in text and "cvk_not_even" not in text
