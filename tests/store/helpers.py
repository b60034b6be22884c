"""Shared test data helpers."""

from __future__ import annotations

import hashlib

from sqlalchemy.ext.asyncio import AsyncSession

from convergence_jupyter.store import DomainRecord, DomainRepository, UserRecord, UserRepository


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def make_domain(session: AsyncSession, name: str = "d1") -> DomainRecord:
    return await DomainRepository(session).ensure("ns", name)


async def make_user(session: AsyncSession, domain: DomainRecord, username: str) -> UserRecord:
    return await UserRepository(session).create(domain.pk, 0, username)
