"""HTML pages: the hotel's landing page with the Call button."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from server.appkeys import DB
from server.hotel.profile import load_hotel_profile

routes = web.RouteTableDef()


@routes.get("/")
@aiohttp_jinja2.template("index.html")
async def index(request: web.Request) -> dict[str, Any]:
    return {"hotel": await load_hotel_profile(request.app[DB])}
