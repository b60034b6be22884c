"""Conversions between domain users and their wire records (``DomainUserData`` and friends)."""

from __future__ import annotations

from convergence_jupyter.domain.users import DomainUser, DomainUserId, UserType
from convergence_jupyter.protocol.schema import core_pb2


def user_id_to_wire(user_id: DomainUserId) -> core_pb2.DomainUserIdData:
    return core_pb2.DomainUserIdData(
        userType=core_pb2.DomainUserTypeData.Name(int(user_id.user_type)),
        username=user_id.username,
    )


def user_id_from_wire(data: core_pb2.DomainUserIdData) -> DomainUserId:
    """Unknown user types are refused: the enum is closed on the client too."""
    return DomainUserId(UserType(data.userType), data.username)


def user_to_wire(user: DomainUser) -> core_pb2.DomainUserData:
    wire = core_pb2.DomainUserData(
        userId=user_id_to_wire(user.user_id), disabled=user.disabled, deleted=user.deleted
    )
    for field, value in (
        ("firstName", user.first_name),
        ("lastName", user.last_name),
        ("displayName", user.display_name),
        ("email", user.email),
        ("deletedUsername", user.deleted_username),
    ):
        if value is not None:
            getattr(wire, field).value = value
    return wire
