"""From store records to the domain's view of a user."""

from __future__ import annotations

from convergence_jupyter.domain.users import DomainUser, DomainUserId, UserType
from convergence_jupyter.store.records import UserRecord


def domain_user(record: UserRecord) -> DomainUser:
    return DomainUser(
        user_id=DomainUserId(UserType(int(record.user_type)), record.username),
        first_name=record.first_name,
        last_name=record.last_name,
        display_name=record.display_name,
        email=record.email,
        disabled=record.disabled,
        deleted=record.deleted,
        deleted_username=record.deleted_username,
    )
