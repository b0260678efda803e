"""`create_app(settings)`: the one factory for `frontdesk serve` and for the tests."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator

import aiohttp_jinja2
import jinja2
from aiohttp import web

from media.clock import FrameClock
from server import pages
from server.appkeys import CLOCK, DB, ENGINES, SESSIONS, SETTINGS
from server.console.routes import setup_console
from server.db.database import Database
from server.db.migrate import upgrade
from server.engines.resources import EngineResources
from server.hotel.seed import seed_demo_hotel
from server.settings import Settings
from server.twilio.routes import setup_twilio
from server.voice import routes as voice_routes
from server.voice.ice import enforce_host_addresses, stop_consent_after_late_connect
from server.voice.media_setup import prewarm_vad
from server.voice.retention import recording_retention
from server.voice.session import EndReason, SessionManager
from server.voice.webrtc import webrtc_socket

log = logging.getLogger(__name__)


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    await asyncio.to_thread(upgrade, settings.database_url)
    db = Database(settings.database_url)
    if await seed_demo_hotel(db):
        log.info("seeded the demo hotel")
    app[DB] = db
    sessions = app[SESSIONS] = SessionManager(db)
    sessions.start()
    await prewarm_vad(settings)
    engines = app[ENGINES] = EngineResources.create(settings, db)
    if settings.stt_warm:
        engines.stt.warm()
    try:
        yield
    finally:
        await sessions.close()
        await engines.close()
        await db.dispose()


async def _end_calls(app: web.Application) -> None:
    """Shutdown: end live calls first, while the database is still open."""
    await app[SESSIONS].close_all(EndReason.SERVER_SHUTDOWN)


async def _freeze_startup_objects(_app: web.Application) -> None:
    """Move everything alive after startup (modules, the seeded caches, the models' Python
    objects) out of the cyclic GC's scans: a full collection over them paused the loop for
    90-190 ms during a ramp of phone calls (docs/twilio.md). Only for a serving process: a
    frozen object that later becomes cyclic garbage is never collected."""
    gc.collect()
    gc.freeze()


def freeze_after_startup(app: web.Application) -> None:
    """Freeze the GC's view of `app`'s process once every startup hook has run (call last)."""
    app.on_startup.append(_freeze_startup_objects)


def create_app(settings: Settings | None = None) -> web.Application:
    settings = settings or Settings.from_env()
    enforce_host_addresses(settings.ice_hosts)
    stop_consent_after_late_connect()
    app = web.Application(client_max_size=1024 * 1024)
    app[SETTINGS] = settings
    app[CLOCK] = FrameClock()
    aiohttp_jinja2.setup(
        app, loader=jinja2.FileSystemLoader(str(settings.web_dir / "templates")),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(recording_retention)
    app.on_shutdown.append(_end_calls)
    app.add_routes(pages.routes)
    app.add_routes(voice_routes.routes)
    app.router.add_get("/voice/webrtc", webrtc_socket)
    setup_console(app)
    setup_twilio(app)
    app.router.add_static("/static/", settings.web_dir / "static", name="static")
    return app
