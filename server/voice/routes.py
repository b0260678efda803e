"""JSON endpoints for health and live calls."""

from __future__ import annotations

from aiohttp import web

from server.appkeys import DB, SESSIONS, SETTINGS
from server.voice.call_log import load_call
from server.voice.session import EndReason

routes = web.RouteTableDef()


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    sessions = request.app[SESSIONS]
    return web.json_response(
        {"status": "ok", "voice_enabled": True, "voice_sessions": len(sessions.active())}
    )


@routes.get("/voice/health")
async def voice_health(request: web.Request) -> web.Response:
    app = request.app
    db_ok = await app[DB].reachable()
    return web.json_response(
        {
            "status": "ok" if db_ok else "degraded",
            "active_sessions": len(app[SESSIONS].active()),
            "engine": app[SETTINGS].engine,
            "database": "reachable" if db_ok else "unreachable",
        },
        status=200 if db_ok else 503,
    )


@routes.get("/voice/sessions")
async def list_sessions(request: web.Request) -> web.Response:
    sessions = request.app[SESSIONS].active()
    return web.json_response({"sessions": [s.to_json() for s in sessions]})


@routes.get("/voice/sessions/{session_id}")
async def get_session(request: web.Request) -> web.Response:
    """A live call, or an ended one from the database (with its stored transcript)."""
    session_id = request.match_info["session_id"]
    session = request.app[SESSIONS].get(session_id)
    if session is not None:
        return web.json_response(session.to_json())
    ended = await load_call(request.app[DB], session_id)
    if ended is None:
        raise web.HTTPNotFound(text='{"error": "no such call"}', content_type="application/json")
    return web.json_response(ended)


@routes.post("/voice/sessions/{session_id}/end")
async def end_session(request: web.Request) -> web.Response:
    session_id = request.match_info["session_id"]
    if not await request.app[SESSIONS].end(session_id, EndReason.STAFF_ENDED):
        raise web.HTTPNotFound(text='{"error": "no such live session"}',
                               content_type="application/json")
    return web.json_response({"id": session_id, "state": "ended"})
