"""Database fixtures for the hotel domain and tool tests.

* `db`: a SQLite file built by the real Alembic migrations and the demo seed (made once per
  session as a template, copied per test).
* `postgres_url` / `pg_db`: a real PostgreSQL server started by the fixture itself (initdb +
  pg_ctl in a temp dir, 127.0.0.1 on a free port, stopped at the end); skipped only when the
  PostgreSQL binaries are absent.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from server.db.database import Database
from server.db.migrate import upgrade
from server.engines.resources import Recognizers
from server.hotel.hold_music import HoldMusic
from server.hotel.seed import seed_demo_hotel
from server.tools import ToolContext, ToolResult, execute_voice_tool
from server.tools.context import CapturedAudio, TransferTarget
from tests.twilio_api import FakeTwilioApi, serve_twilio_api

LONDON = ZoneInfo("Europe/London")
# Tuesday 1 December 2026, 10:00 in London: "next Friday" is the 4th.
TODAY = dt.date(2026, 12, 1)
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def _seed(url: str, today: dt.date = TODAY) -> None:
    db = Database(url)
    try:
        await seed_demo_hotel(db, today=today)
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "frontdesk.db"
    upgrade(sqlite_url(path))
    # Its own thread: a sync fixture may be set up while another loop runs (Playwright's).
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _seed(sqlite_url(path))).result()
    return path


@pytest.fixture
async def db(template_db: Path, tmp_path: Path) -> AsyncIterator[Database]:
    path = tmp_path / "frontdesk.db"
    shutil.copyfile(template_db, path)
    database = Database(sqlite_url(path))
    yield database
    await database.dispose()


@dataclass
class FakeHooks:
    """Records what the tools asked the call layer to do."""

    accept: bool = True
    music: list[HoldMusic] = field(default_factory=list)
    announcements: list[str] = field(default_factory=list)
    transfers: list[TransferTarget] = field(default_factory=list)
    audio: CapturedAudio | None = None

    async def play_hold_music(self, music: HoldMusic) -> bool:
        self.music.append(music)
        return self.accept

    async def speak_announcement(self, text: str) -> bool:
        self.announcements.append(text)
        return self.accept

    async def transfer(self, target: TransferTarget) -> bool:
        self.transfers.append(target)
        return self.accept

    async def caller_audio(self, seconds: float) -> CapturedAudio | None:
        return self.audio


class Clock:
    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def set_local(self, day: dt.date, hour: int, minute: int = 0) -> None:
        self.now = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


MakeCtx = Callable[..., ToolContext]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_ctx(db: Database, clock: Clock, tmp_path: Path) -> MakeCtx:
    def make(**overrides: Any) -> ToolContext:
        values: dict[str, Any] = {"db": db, "call_id": "call-1", "caller": None,
                                  "clock": clock, "voice_notes_dir": tmp_path / "notes"}
        values.update(overrides)
        return ToolContext(**values)

    return make


async def run(ctx: ToolContext, name: str, **args: Any) -> ToolResult:
    return await execute_voice_tool(name, args, ctx)


def data(result: ToolResult) -> Any:
    """The result's JSON data, untyped, for indexing into nested values in assertions."""
    return result.data


# --- PostgreSQL ----------------------------------------------------------------------------

def _pg_bindir() -> Path | None:
    env = os.environ.get("FRONTDESK_PG_BIN")
    candidates = [env] if env else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    which = shutil.which("pg_ctl")
    if which:
        candidates.append(str(Path(which).parent))
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found; install Debian's "
                    "`postgresql` package or set FRONTDESK_PG_BIN")
    base = Path(tempfile.mkdtemp(prefix="frontdesk-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # postgres refuses to run as root: run it as the postgres user
        shutil.chown(base, user="postgres", group="postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", _free_port()
    subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                    "-A", "trust", "-E", "UTF8", "--no-sync"], check=True,
                   capture_output=True)
    opts = f"-h 127.0.0.1 -p {port} -k {base} -F -c max_connections=120"
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l",
                    str(base / "server.log"), "-o", opts, "-w", "start"], check=True,
                   capture_output=True)
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "-w", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


async def _pg_admin(postgres_url: str, sql: str) -> None:
    engine = create_async_engine(f"{postgres_url}/postgres", isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture
async def pg_db(postgres_url: str) -> AsyncIterator[Database]:
    """A fresh database on the test server: migrated and seeded."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    await _pg_admin(postgres_url, f'CREATE DATABASE "{name}"')
    url = f"{postgres_url}/{name}"
    await asyncio.to_thread(upgrade, url)
    database = Database(url)
    await seed_demo_hotel(database, today=TODAY)
    yield database
    await database.dispose()
    await _pg_admin(postgres_url, f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
async def twilio_api() -> AsyncIterator[FakeTwilioApi]:
    """A local api.twilio.com (point the app at it with `twilio_api_url=twilio_api.base_url`)."""
    async for api in serve_twilio_api():
        yield api


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def recognizers() -> AsyncIterator[Recognizers]:
    """Two recognizer worker processes, shared by one module's spoken tests (for modules whose
    tests run on a module-scoped event loop)."""
    stt = Recognizers(workers=2)
    await stt.warm()
    try:
        yield stt
    finally:
        await stt.close()
