"""Typed application state (aiohttp `AppKey`s), one place for all of it."""

from __future__ import annotations

from aiohttp import web

from media.clock import FrameClock
from server.db.database import Database
from server.engines.resources import EngineResources
from server.settings import Settings
from server.voice.session import SessionManager

SETTINGS = web.AppKey("settings", Settings)
DB = web.AppKey("db", Database)
SESSIONS = web.AppKey("sessions", SessionManager)
CLOCK = web.AppKey("clock", FrameClock)
ENGINES = web.AppKey("engines", EngineResources)
