"""Staff accounts and login sessions in the database."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from server.console.models import Role, StaffAccount, StaffSession
from server.console.passwords import hash_password, verify_password
from server.db.database import Database
from server.hotel.timeutil import as_utc

SESSION_TTL = dt.timedelta(hours=12)


@dataclass(frozen=True)
class Staff:
    """The signed-in staff member a request acts as."""

    id: int
    name: str
    role: Role
    csrf_token: str

    @property
    def is_manager(self) -> bool:
        return self.role is Role.MANAGER


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def add_staff(db: Database, name: str, password: str, role: Role) -> int:
    name = name.strip()
    if not name:
        raise ValueError("a staff member needs a name")
    hashed = await hash_password(password)
    async with db.session() as s:
        if await s.scalar(select(StaffAccount.id).where(StaffAccount.name == name)):
            raise ValueError(f"staff member {name!r} already exists")
        row = StaffAccount(name=name, password_hash=hashed, role=role.value, active=True)
        s.add(row)
        await s.flush()
        return row.id


async def has_manager(db: Database) -> bool:
    async with db.session() as s:
        count = await s.scalar(select(func.count()).select_from(StaffAccount).where(
            StaffAccount.role == Role.MANAGER.value, StaffAccount.active.is_(True)))
    return bool(count)


async def authenticate(db: Database, name: str, password: str) -> StaffAccount | None:
    async with db.session() as s:
        account = await s.scalar(select(StaffAccount).where(StaffAccount.name == name.strip()))
    ok = await verify_password(account.password_hash if account else None, password)
    if not ok or account is None or not account.active:
        return None
    return account


async def open_session(db: Database, staff_id: int, now: dt.datetime | None = None
                       ) -> tuple[str, str]:
    """A new login session; returns (cookie token, CSRF token). Expired rows are swept here."""
    now = now or dt.datetime.now(dt.UTC)
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    async with db.session() as s:
        await s.execute(delete(StaffSession).where(StaffSession.expires_at < now))
        s.add(StaffSession(token_hash=token_hash(token), staff_id=staff_id, csrf_token=csrf,
                           created_at=now, expires_at=now + SESSION_TTL))
    return token, csrf


async def session_staff(db: Database, token: str, now: dt.datetime | None = None
                        ) -> Staff | None:
    now = now or dt.datetime.now(dt.UTC)
    async with db.session() as s:
        row = (await s.execute(
            select(StaffSession, StaffAccount)
            .join(StaffAccount, StaffAccount.id == StaffSession.staff_id)
            .where(StaffSession.token_hash == token_hash(token)))).first()
    if row is None:
        return None
    sess, account = row
    if as_utc(sess.expires_at) <= now or not account.active:
        return None
    return Staff(account.id, account.name, Role(account.role), sess.csrf_token)


async def close_session(db: Database, token: str) -> None:
    async with db.session() as s:
        await s.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash(token)))
