"""Frames carrying values that decode but cannot be used are malformed (both found by the T5 fuzz):
enum numbers the schema does not define (``getDirectChatsRequest`` with user type -1 made the chat
service fail with ``ValueError``) and out-of-range timestamps (``createRealTimeModelRequest`` with
negative nanos failed creating the model)."""

from __future__ import annotations

import pytest

from convergence_jupyter.protocol.envelope import ProtocolError, decode_client_frame, encode
from convergence_jupyter.protocol.schema import chat_pb2, core_pb2, identity_pb2
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.protocol.wellformed import malformed_value


def _direct_chats(user_type: int) -> chat_pb2.GetDirectChatsRequestMessage:
    request = chat_pb2.GetDirectChatsRequestMessage()
    user = request.userLists.add().values.add()
    user.userType = user_type  # type: ignore[assignment]
    user.username = "ada"
    return request


def test_an_unknown_user_type_is_a_malformed_frame() -> None:
    frame = encode("getDirectChatsRequest", _direct_chats(-1), request_id=7)
    with pytest.raises(ProtocolError) as caught:
        decode_client_frame(frame)
    assert caught.value.code == "invalid_message"
    assert caught.value.request_id == 7
    assert "userLists.values.userType=-1" in caught.value.message


def test_known_values_pass() -> None:
    frame = encode("getDirectChatsRequest", _direct_chats(core_pb2.Anonymous), request_id=1)
    assert decode_client_frame(frame).body_name == "getDirectChatsRequest"


def test_repeated_enum_fields_are_checked() -> None:
    search = identity_pb2.SearchUsersRequestMessage(value="a")
    search.fields.extend([identity_pb2.UserField.Value("USERNAME"), 99])  # type: ignore[list-item]
    assert malformed_value(search) == "fields=99"


def test_messages_without_enums_are_not_walked() -> None:
    assert malformed_value(core_pb2.GetServerTimeRequestMessage()) is None


@pytest.mark.parametrize(
    ("seconds", "nanos"),
    [(0, -1), (0, 1_000_000_000), (-62_135_596_801, 0), (253_402_300_800, 0)],
)
def test_an_out_of_range_timestamp_is_a_malformed_frame(seconds: int, nanos: int) -> None:
    request = pb.CreateRealtimeModelRequestMessage(collectionId="c")
    request.createdTime.seconds = seconds
    request.createdTime.nanos = nanos
    with pytest.raises(ProtocolError) as caught:
        decode_client_frame(encode("createRealTimeModelRequest", request, request_id=3))
    assert caught.value.code == "invalid_message" and "createdTime" in caught.value.message


def test_timestamps_in_range_pass() -> None:
    request = pb.CreateRealtimeModelRequestMessage(collectionId="c")
    request.createdTime.seconds = 1_700_000_000
    request.createdTime.nanos = 999_999_999
    frame = encode("createRealTimeModelRequest", request, request_id=3)
    assert decode_client_frame(frame).body_name == "createRealTimeModelRequest"
