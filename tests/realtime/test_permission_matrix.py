"""T6: every client→server message type x {unauthenticated, after a refused login, authenticated
without the permission} is refused, and the database is unchanged (reliability-lessons §3).

The list of message types comes from the envelope's oneof (``CLIENT_BODIES``); ``EXERCISE`` says
how each is expected to fare when sent by a session that holds no right on its target. A body
added to the schema and missing from the table fails the test, so no type is left uncovered.

The targets belong to an "owner" session: a model whose world permissions are all off, a private
chat channel, an activity without world permissions; the domain-wide chat-creation grant is
revoked. For each case the content hash of every table is taken before and after, the owner must
receive nothing (a refused message is broadcast to nobody), and the server must log no error.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from database_backends import BACKENDS, database_url
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from traitlets.config import Config

from convergence_jupyter.protocol.envelope import MessageKind, client_body_kind, encode
from convergence_jupyter.protocol.schema import core_pb2
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.protocol.schema.message_pb2 import ConvergenceMessage
from convergence_jupyter.realtime.connection import State
from convergence_jupyter.realtime.server import RealtimeServer
from convergence_jupyter.store.permissions import GrantTarget, PermissionRepository
from tests.realtime.fuzz_messages import CLIENT_BODIES
from tests.realtime.inprocess import (
    QUIET_LIMITS,
    InProcessClient,
    database_fingerprint,
    default_runtime,
    initial_data,
    new_client,
    realtime_of,
    settle,
    wait_until,
)

#: What a session without any right on the target gets.
REFUSED = "refused"  # an error reply (or the sender is closed); nothing changes
OPEN = "open"  # no permission governs it (own presence, public reads): any reply, no change
CREATES = "creates"  # any user may, by the protocol's design, and it writes: no error, no leak
IGNORED = "ignored"  # a reply to a server request nobody made, or a heartbeat: no effect

EXERCISE: dict[str, tuple[str, str]] = {
    # body: (expectation, how it is aimed)
    "ok": (IGNORED, "a reply to no pending server request"),
    "error": (IGNORED, "a reply to no pending server request"),
    "modelAutoCreateConfigResponse": (IGNORED, "a reply to no pending server request"),
    "ping": (IGNORED, "heartbeat, answered with pong"),
    "pong": (IGNORED, "heartbeat"),
    "connectionRequest": (REFUSED, "a second handshake on an authenticated socket"),
    "serverTimeRequest": (OPEN, "public"),
    "openRealTimeModelRequest": (REFUSED, "the locked model, no auto-create"),
    "closeRealTimeModelRequest": (REFUSED, "a resource the session never opened"),
    "createRealTimeModelRequest": (REFUSED, "into the locked model's id"),
    "deleteRealtimeModelRequest": (REFUSED, "the locked model"),
    "operationSubmission": (REFUSED, "a resource the session never opened"),
    "shareReference": (REFUSED, "a resource the session never opened"),
    "setReference": (REFUSED, "a resource the session never opened"),
    "clearReference": (REFUSED, "a resource the session never opened"),
    "unshareReference": (REFUSED, "a resource the session never opened"),
    "modelsQueryRequest": (OPEN, "a query over the locked collection (filtered by read)"),
    "getModelPermissionsRequest": (REFUSED, "the locked model"),
    "setModelPermissionsRequest": (REFUSED, "the locked model, world all on"),
    "modelResyncRequest": (REFUSED, "the locked model"),
    "modelResyncClientComplete": (REFUSED, "a resource the session never opened"),
    # Answered ok, then modelOfflineUpdated{permissionRevoked} (as rc.12 expects): no data.
    "modelOfflineSubscriptionChange": (OPEN, "the locked model"),
    "historicalDataRequest": (REFUSED, "the locked model"),
    "historicalOperationsRequest": (REFUSED, "the locked model"),
    "modelGetVersionAtTimeRequest": (REFUSED, "the locked model"),
    "usersGetRequest": (OPEN, "the owner's identity"),
    "userSearchRequest": (OPEN, "user search"),
    "userGroupsRequest": (OPEN, "groups"),
    "userGroupsForUsersRequest": (OPEN, "groups of the owner"),
    "activityParticipantsRequest": (OPEN, "the locked activity: who, but no state without view"),
    "activityCreateRequest": (REFUSED, "the locked activity's id (exists)"),
    "activityDeleteRequest": (REFUSED, "the locked activity"),
    "activityJoinRequest": (REFUSED, "the locked activity, no auto-create"),
    "activityLeaveRequest": (REFUSED, "the locked activity (not joined)"),
    "activityUpdateState": (REFUSED, "the locked activity (not joined)"),
    "presenceSetState": (OPEN, "own presence"),
    "presenceRemoveState": (OPEN, "own presence"),
    "presenceClearState": (OPEN, "own presence"),
    "presenceRequest": (OPEN, "the owner's presence"),
    "presenceSubscribeRequest": (OPEN, "the owner's presence"),
    "presenceUnsubscribe": (OPEN, "the owner's presence"),
    "createChatRequest": (REFUSED, "a new channel; the domain-wide create grant is revoked"),
    "removeChatRequest": (REFUSED, "the private channel"),
    "getChatsRequest": (REFUSED, "the private channel"),
    "chatsExistRequest": (OPEN, "existence of the private channel"),
    "getDirectChatsRequest": (CREATES, "a direct chat with the owner, made on first request"),
    "getJoinedChatsRequest": (OPEN, "own memberships"),
    "chatsSearchRequest": (OPEN, "search (private channels filtered)"),
    "joinChatRequest": (REFUSED, "the private channel"),
    "leaveChatRequest": (REFUSED, "the private channel (not a member)"),
    "addUserToChatRequest": (REFUSED, "the private channel"),
    "removeUserFromChatRequest": (REFUSED, "the owner from the private channel"),
    "setChatNameRequest": (REFUSED, "the private channel"),
    "setChatTopicRequest": (REFUSED, "the private channel"),
    "markChatEventsSeenRequest": (REFUSED, "the private channel"),
    "publishChatMessageRequest": (REFUSED, "the private channel"),
    "getChatHistoryRequest": (REFUSED, "the private channel"),
    "resolvePermissionsForConnectedSessionRequest": (OPEN, "own permissions on the channel"),
    "addPermissionsRequest": (REFUSED, "grant self everything on the channel"),
    "removePermissionsRequest": (REFUSED, "the owner's grants on the channel"),
    "setPermissionsRequest": (REFUSED, "world everything on the channel"),
    "getPermissionsRequest": (REFUSED, "the channel's grants"),
}

#: Cases known to fail today, with the reason; each must still fail (strict), so that a fix is
#: noticed and the entry removed.
KNOWN_GAPS: dict[tuple[str, str], str] = {}

SCENARIOS = ("unauthenticated", "after-refused-login", "without-permission")

MODEL, COLLECTION, CHAT, ACTIVITY, ACTIVITY_TYPE = (
    "locked-model",
    "locked",
    "locked-chat",
    "locked-act",
    "t",
)

_BODY_FIELDS = ConvergenceMessage.DESCRIPTOR.fields_by_name


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_url(request, tmp_path, "matrix.db")


@pytest.fixture
def jp_server_config(db_url: str) -> Config:
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"convergence_jupyter": True}},
            "ConvergenceApp": {"database_url": db_url, "anonymous_auth": True, **QUIET_LIMITS},
        }
    )


def _aimed(body_name: str, owner: core_pb2.DomainUserIdData) -> Message:
    """The body with every field that names a target pointing at the owner's locked things."""
    body = ConvergenceMessage()
    message: Message = getattr(body, body_name)
    message.SetInParent()
    _aim(message, owner)
    if body_name == "setModelPermissionsRequest":
        message.worldPermissions.CopyFrom(  # type: ignore[attr-defined]
            pb.ModelPermissionsData(read=True, write=True, remove=True, manage=True)
        )
    if body_name == "createRealTimeModelRequest":
        message.data.CopyFrom(initial_data())  # type: ignore[attr-defined]
    if body_name == "createChatRequest":
        message.chatId.value = "intruder-chat"  # type: ignore[attr-defined]
        message.chatType, message.membership = "channel", "public"  # type: ignore[attr-defined]
    return message


_STRINGS = {
    "modelId": MODEL,
    "collectionId": COLLECTION,
    "collection": COLLECTION,
    "chatId": CHAT,
    "activityId": ACTIVITY,
    "activityType": ACTIVITY_TYPE,
    "type": ACTIVITY_TYPE,
    "id": CHAT,
    "query": f"SELECT * FROM {COLLECTION}",
    "chatType": "channel",
    "membership": "private",
    "name": "renamed",
    "topic": "topic",
    "message": "hello",
    "key": "k",
    "value": "x",
    "username": "",
}


def _aim(message: Message, owner: core_pb2.DomainUserIdData, depth: int = 0) -> None:
    if depth > 3:
        return
    descriptor = message.DESCRIPTOR
    if descriptor.full_name.endswith("DomainUserIdData"):
        message.CopyFrom(owner)
        return
    if descriptor.full_name.endswith("PermissionTarget"):
        message.chat.id = CHAT  # type: ignore[attr-defined]
        return
    for field in descriptor.fields:
        if field.containing_oneof is not None and field.containing_oneof.name != "body":
            continue
        if field.type == FieldDescriptor.TYPE_STRING and not field.is_repeated:
            if field.name in _STRINGS:
                setattr(message, field.name, _STRINGS[field.name])
        elif field.type == FieldDescriptor.TYPE_STRING and field.is_repeated:
            getattr(message, field.name).append(
                {"modelIds": MODEL, "chatIds": CHAT, "world": "join_chat_channel"}.get(
                    field.name, CHAT
                )
            )
        elif field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type is not None:
            if field.message_type.GetOptions().map_entry:
                continue
            if field.message_type.full_name == "google.protobuf.StringValue":
                if field.name in _STRINGS:
                    getattr(message, field.name).value = _STRINGS[field.name]
                continue
            if field.message_type.full_name.startswith("google.protobuf."):
                continue
            child = getattr(message, field.name).add() if field.is_repeated else None
            if child is None:
                child = getattr(message, field.name)
                child.SetInParent()
            _aim(child, owner, depth + 1)


def _frame(body_name: str, body: Message, request_id: int) -> bytes:
    kind = client_body_kind(body_name)
    if kind is MessageKind.REQUEST:
        return encode(body_name, body, request_id=request_id)
    if kind is MessageKind.RESPONSE:
        return encode(body_name, body, response_id=request_id)
    return encode(body_name, body)


class _ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Outcome:
    refused: bool
    replied: bool
    closed: bool
    db_changed: list[str]
    owner_saw: list[str]
    logged: list[str]
    error_codes: list[str]

    def ok_for(self, expectation: str) -> bool:
        clean = not self.db_changed and not self.owner_saw and not self.logged
        if expectation == REFUSED:
            return clean and self.refused
        if expectation == OPEN:
            return clean
        if expectation == CREATES:
            return not self.owner_saw and not self.logged and not self.error_codes
        return clean and not self.error_codes  # IGNORED


class Matrix:
    def __init__(self, server: RealtimeServer, errors: _ErrorRecords) -> None:
        self.server = server
        self.errors = errors
        self.owner: InProcessClient | None = None
        self.owner_id = core_pb2.DomainUserIdData()
        self.request_id = 100

    async def prepare(self) -> None:
        owner = await new_client(self.server)
        success = (await owner.connect("owner")).connectionResponse.success
        self.owner_id.CopyFrom(success.user.userId)
        create = pb.CreateRealtimeModelRequestMessage(
            collectionId=COLLECTION,
            data=initial_data(),
            overrideWorldPermissions=True,
            worldPermissions=pb.ModelPermissionsData(),
        )
        create.modelId.value = MODEL
        replies = [await owner.request("createRealTimeModelRequest", create)]
        replies.append(
            await owner.request(
                "openRealTimeModelRequest",
                pb.OpenRealtimeModelRequestMessage(modelId=create.modelId),
            )
        )
        chat = _aimed("createChatRequest", self.owner_id)
        chat.chatId.value = CHAT  # type: ignore[attr-defined]
        chat.membership = "private"  # type: ignore[attr-defined]
        replies.append(await owner.request("createChatRequest", chat))
        activity = ConvergenceMessage().activityCreateRequest
        activity.activityType, activity.activityId = ACTIVITY_TYPE, ACTIVITY
        replies.append(await owner.request("activityCreateRequest", activity))
        join = ConvergenceMessage().activityJoinRequest
        join.activityType, join.activityId = ACTIVITY_TYPE, ACTIVITY
        replies.append(await owner.request("activityJoinRequest", join))
        for reply in replies:
            assert reply.WhichOneof("body") != "error", reply
        runtime = await default_runtime(self.server)
        async with self.server.database.transaction() as tx:
            await PermissionRepository(tx).set_world(runtime.domain.pk, GrantTarget(), [])
        await settle()
        owner.frames.clear()
        self.owner = owner

    async def case(self, body_name: str, scenario: str) -> Outcome:
        assert self.owner is not None
        client = await new_client(self.server)
        if scenario == "without-permission":
            await client.connect("intruder")
            client.frames.clear()
        await settle()
        self.owner.frames.clear()
        self.errors.records.clear()
        before = await database_fingerprint(self.server)
        self.request_id += 1
        request_id = self.request_id
        body = _aimed(body_name, self.owner_id)
        if scenario == "unauthenticated" and body_name == "connectionRequest":
            body = _bad_login()
        if scenario == "after-refused-login":
            client.send_raw(encode("connectionRequest", _bad_login(), request_id=1))
        client.send_raw(_frame(body_name, body, request_id))
        await self._handled(client, body_name, request_id, scenario)
        replies = [m for m in client.frames if m.WhichOneof("body") != "connectionResponse"]
        codes = [m.error.code for m in replies if m.WhichOneof("body") == "error"]
        responses = [
            m
            for m in client.frames
            if m.HasField("responseId")
            and m.responseId.value == request_id
            and m.WhichOneof("body") != "error"
        ]
        login_refused = any(
            m.WhichOneof("body") == "connectionResponse"
            and m.connectionResponse.WhichOneof("response") == "failure"
            for m in client.frames
        )
        closed = client.closed_by_server
        if scenario == "without-permission":
            await self._close_intruder(client)
        else:
            client.hang_up()
        await settle()
        after = await database_fingerprint(self.server)
        # Before authentication nothing at all may be written, not even a session row.
        changed = [t for t in before if before[t] != after.get(t)]
        if scenario == "without-permission":
            changed = [t for t in before if before[t] != after.get(t) and not _session_table(t)]
        owner_saw = [
            str(m.WhichOneof("body"))
            for m in self.owner.frames
            if m.WhichOneof("body") not in ("identityCacheUpdate", "ping")
        ]
        logged = [r.getMessage() for r in self.errors.records]
        refused = bool(codes) or closed or (scenario != "without-permission" and login_refused)
        if scenario == "unauthenticated" and body_name == "connectionRequest":
            refused = login_refused
        return Outcome(
            refused=refused,
            replied=bool(responses),
            closed=closed,
            db_changed=changed,
            owner_saw=owner_saw,
            logged=logged,
            error_codes=codes,
        )

    async def _handled(
        self, client: InProcessClient, body_name: str, request_id: int, scenario: str
    ) -> None:
        connection = client.connection
        if scenario != "without-permission":
            # Before authentication: handled at once, or after the login is decided.
            await wait_until(lambda: connection.state is not State.AUTHENTICATING, 10, "login")
            await settle(60)
            return
        probe = request_id + 1_000_000
        client.send_raw(
            encode("serverTimeRequest", core_pb2.GetServerTimeRequestMessage(), request_id=probe)
        )
        await wait_until(
            lambda: (
                client.closed_by_server
                or any(
                    m.HasField("responseId") and m.responseId.value == probe for m in client.frames
                )
            ),
            10,
            f"the probe after {body_name}",
        )
        await settle()

    async def _close_intruder(self, client: InProcessClient) -> None:
        client.hang_up()
        await settle()


def _session_table(name: str) -> bool:
    """Tables every login writes to (sessions, tokens, anonymous users): not the message's doing."""
    return any(part in name for part in ("session", "token", "user"))


def _bad_login() -> core_pb2.ConnectionRequestMessage:
    request = core_pb2.ConnectionRequestMessage(client="matrix", clientVersion="0")
    request.password.username = "nobody"
    request.password.password = "wrong"
    return request


@pytest.fixture
def matrix(jp_serverapp: Any, jp_asyncio_loop: Any) -> Iterator[tuple[Matrix, Any]]:
    errors = _ErrorRecords()
    logger = logging.getLogger("convergence_jupyter")
    logger.addHandler(errors)
    matrix = Matrix(realtime_of(jp_serverapp), errors)
    jp_asyncio_loop.run_until_complete(matrix.prepare())
    try:
        yield matrix, jp_asyncio_loop
    finally:
        logger.removeHandler(errors)


def test_the_table_covers_every_client_message_type() -> None:
    missing = set(CLIENT_BODIES) - set(EXERCISE)
    stale = set(EXERCISE) - set(CLIENT_BODIES)
    assert not missing, f"new client message types need a row in EXERCISE: {sorted(missing)}"
    assert not stale, f"EXERCISE names types the schema no longer has: {sorted(stale)}"


@pytest.mark.timeout(900)
def test_permission_matrix(matrix: tuple[Matrix, Any]) -> None:
    rig, loop = matrix
    started = time.perf_counter()
    failures: list[str] = []
    gaps_confirmed: list[tuple[str, str]] = []
    tally: Counter[str] = Counter()
    for scenario in SCENARIOS:
        for body_name in CLIENT_BODIES:
            expectation = EXERCISE[body_name][0] if scenario == "without-permission" else REFUSED
            if scenario != "without-permission" and body_name in ("ping", "pong"):
                expectation = IGNORED
            if scenario != "without-permission" and client_body_kind(body_name) is (
                MessageKind.RESPONSE
            ):
                expectation = IGNORED
            if scenario == "after-refused-login":
                expectation = IGNORED if expectation == IGNORED else REFUSED
            outcome = loop.run_until_complete(rig.case(body_name, scenario))
            tally[f"{scenario}:{expectation}"] += 1
            ok = outcome.ok_for(expectation)
            if (body_name, scenario) in KNOWN_GAPS:
                if ok:
                    failures.append(
                        f"{body_name} [{scenario}] now passes: remove it from KNOWN_GAPS"
                    )
                else:
                    gaps_confirmed.append((body_name, scenario))
                continue
            if not ok:
                failures.append(f"{body_name} [{scenario}] expected {expectation}: {outcome}")
    cases = sum(tally.values())
    print(
        f"\nT6 matrix: {cases} cases ({len(CLIENT_BODIES)} client message types x "
        f"{len(SCENARIOS)} scenarios) in {time.perf_counter() - started:.1f} s; "
        f"{dict(sorted(tally.items()))}; known gaps still failing: {gaps_confirmed}"
    )
    assert cases == len(CLIENT_BODIES) * len(SCENARIOS)
    assert not failures, "\n".join(failures)
