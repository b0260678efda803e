"""The console's application state (aiohttp `AppKey`s)."""

from __future__ import annotations

from aiohttp import web

from server.console.board import LiveBoard
from server.console.control import CallControl
from server.console.ratelimit import LoginLimiter

BOARD = web.AppKey("console_board", LiveBoard)
CONTROL = web.AppKey("console_control", CallControl)
LIMITER = web.AppKey("console_login_limiter", LoginLimiter)
