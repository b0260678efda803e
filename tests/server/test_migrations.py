"""`alembic upgrade head` on a fresh database produces exactly the models' schema."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from server.db.database import Database
from server.db.migrate import alembic_config, upgrade
from server.db.models import Base


def _diff(conn: Connection) -> list[Any]:
    ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                 "compare_server_default": True})
    return list(compare_metadata(ctx, Base.metadata))


async def _schema_diff(url: str) -> list[Any]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_diff)
    finally:
        await engine.dispose()


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


def test_sqlite_upgrade_matches_models(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    assert asyncio.run(_schema_diff(url)) == []


def test_sqlite_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "0001")
    assert asyncio.run(_tables(url)) == {"alembic_version", "voice_calls"}
    upgrade(url)
    assert asyncio.run(_schema_diff(url)) == []


async def test_postgres_upgrade_matches_models(pg_db: Database) -> None:
    # pg_db is migrated to head by the fixture
    assert await _schema_diff(pg_db.url) == []
