"""The console's HTTP routes: login/logout, pages (board, history, analytics), the JSON API,
recordings and the websocket. `setup_console(app)` registers them with the auth middleware."""

from __future__ import annotations

import logging
import secrets
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web

from server.appkeys import DB, SESSIONS, SETTINGS
from server.console import history
from server.console.accounts import authenticate, close_session, open_session
from server.console.analytics import dashboard
from server.console.auth import (
    COOKIE,
    LOGIN_CSRF_COOKIE,
    PREFIX,
    check_csrf,
    console_auth,
    require_manager,
    set_session_cookie,
    staff_of,
)
from server.console.board import LiveBoard
from server.console.control import CallControl, ControlError
from server.console.keys import BOARD, CONTROL, LIMITER
from server.console.ratelimit import LoginLimiter
from server.console.socket import console_socket
from server.voice.session import turn_json

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

CHART_JS = ("vendor", "node_modules", "chart.js", "dist", "chart.umd.js")


def _json_error(status: type[web.HTTPException], message: str) -> web.HTTPException:
    return status(text=web.json_response({"error": message}).text,
                  content_type="application/json")


def _safe_next(value: str | None) -> str:
    """Only redirect back into the console (no open redirects)."""
    if not value:
        return PREFIX
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not (value == PREFIX or value.startswith(PREFIX + "/")):
        return PREFIX
    return value


def _page(request: web.Request, template: str, **context: Any) -> web.Response:
    staff = staff_of(request)
    return aiohttp_jinja2.render_template(
        template, request, {"staff": staff, "csrf_token": staff.csrf_token, **context})


# -- login -----------------------------------------------------------------------------------
def _login_form(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    token = secrets.token_urlsafe(24)
    response = aiohttp_jinja2.render_template(
        "console/login.html", request,
        {"csrf_token": token, "error": error, "next": _safe_next(request.query.get("next"))},
        status=status)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, path=f"{PREFIX}/login", httponly=True,
                        samesite="Strict", secure=request.secure)
    return response


@routes.get(f"{PREFIX}/login")
async def login_form(request: web.Request) -> web.Response:
    return _login_form(request)


@routes.post(f"{PREFIX}/login")
async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    check_csrf(request, request.cookies.get(LOGIN_CSRF_COOKIE, ""),
               str(form.get("csrf_token", "")) or None)
    name = str(form.get("name", ""))[:64]
    password = str(form.get("password", ""))[:256]
    address = request.remote or "?"
    limiter = request.app[LIMITER]
    wait = limiter.retry_after(address, name)
    if wait > 0:
        log.warning("console: login rate-limited for %s", address)
        response = _login_form(request, "Too many failed sign-ins. Try again later.", 429)
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    account = await authenticate(request.app[DB], name, password)
    if account is None:
        limiter.failed(address, name)
        log.info("console: failed sign-in from %s", address)
        return _login_form(request, "Wrong name or password.", 401)
    limiter.succeeded(name)
    token, _ = await open_session(request.app[DB], account.id)
    log.info("console: %s signed in", account.name)
    response = web.HTTPFound(_safe_next(str(form.get("next", "")) or None))
    set_session_cookie(response, request, token)
    response.del_cookie(LOGIN_CSRF_COOKIE, path=f"{PREFIX}/login")
    raise response


@routes.post(f"{PREFIX}/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    token = request.cookies.get(COOKIE)
    if token:
        await close_session(request.app[DB], token)
    response = web.HTTPFound(f"{PREFIX}/login")
    response.del_cookie(COOKIE, path=PREFIX)
    raise response


# -- pages -----------------------------------------------------------------------------------
@routes.get(PREFIX)
async def board_page(request: web.Request) -> web.Response:
    return _page(request, "console/board.html", page="board")


@routes.get(f"{PREFIX}/history")
async def history_page(request: web.Request) -> web.Response:
    return _page(request, "console/history.html", page="history")


@routes.get(f"{PREFIX}/history/{{call_id}}")
async def history_call_page(request: web.Request) -> web.Response:
    return _page(request, "console/call.html", page="history",
                 call_id=request.match_info["call_id"])


@routes.get(f"{PREFIX}/analytics")
async def analytics_page(request: web.Request) -> web.Response:
    require_manager(request)
    return _page(request, "console/analytics.html", page="analytics")


@routes.get(f"{PREFIX}/vendor/chart.js")
async def chart_js(request: web.Request) -> web.StreamResponse:
    path = request.app[SETTINGS].web_dir / "static"
    for part in CHART_JS:
        path = path / part
    if not path.is_file():
        raise web.HTTPNotFound(text="chart.js is not installed (scripts/serve.sh installs it)")
    return web.FileResponse(path, headers={"Content-Type": "text/javascript"})


# -- JSON API --------------------------------------------------------------------------------
@routes.get(f"{PREFIX}/api/me")
async def me(request: web.Request) -> web.Response:
    staff = staff_of(request)
    return web.json_response({"name": staff.name, "role": staff.role.value})


@routes.get(f"{PREFIX}/api/calls")
async def live_calls(request: web.Request) -> web.Response:
    board = request.app[BOARD]
    return web.json_response({"calls": [c.__dict__ for c in board.calls()]})


@routes.get(f"{PREFIX}/api/calls/{{call_id}}")
async def live_call(request: web.Request) -> web.Response:
    board = request.app[BOARD]
    session = board.sessions.get(request.match_info["call_id"])
    if session is None:
        raise _json_error(web.HTTPNotFound, "no such live call")
    return web.json_response({"call": board.summary(session).__dict__,
                              "turns": [turn_json(t) for t in session.turns]})


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise _json_error(web.HTTPBadRequest, "body must be JSON") from exc
    if not isinstance(body, dict):
        raise _json_error(web.HTTPBadRequest, "body must be a JSON object")
    return body


@routes.post(f"{PREFIX}/api/calls/{{call_id}}/announce")
async def announce(request: web.Request) -> web.Response:
    staff = staff_of(request)
    body = await _json_body(request)
    text = body.get("text")
    if not isinstance(text, str):
        raise _json_error(web.HTTPBadRequest, "text must be a string")
    control = request.app[CONTROL]
    try:
        session = control.live(request.match_info["call_id"])
        await control.announce(session, text, by=staff.name)
    except ControlError as err:
        raise _json_error(web.HTTPConflict, str(err)) from err
    return web.json_response({"announced": " ".join(text.split())})


@routes.post(f"{PREFIX}/api/calls/{{call_id}}/end")
async def end_call(request: web.Request) -> web.Response:
    staff = staff_of(request)
    control = request.app[CONTROL]
    try:
        session = control.live(request.match_info["call_id"])
    except ControlError as err:
        raise _json_error(web.HTTPNotFound, str(err)) from err
    log.info("console: %s ended call %s", staff.name, session.id)
    await control.end(session)
    return web.json_response({"id": session.id, "state": "ended"})


@routes.get(f"{PREFIX}/api/history")
async def search_history(request: web.Request) -> web.Response:
    try:
        query = history.CallQuery.from_params(request.query)
    except ValueError as err:
        raise _json_error(web.HTTPBadRequest, "dates are YYYY-MM-DD") from err
    return web.json_response({"calls": await history.search_calls(request.app[DB], query)})


@routes.get(f"{PREFIX}/api/history/{{call_id}}")
async def history_call(request: web.Request) -> web.Response:
    record = await history.call_record(request.app[DB], request.match_info["call_id"],
                                       request.app[SETTINGS].recordings_dir)
    if record is None:
        raise _json_error(web.HTTPNotFound, "no such call")
    return web.json_response(record)


@routes.get(f"{PREFIX}/recordings/{{call_id}}.wav")
async def recording(request: web.Request) -> web.StreamResponse:
    call_id = request.match_info["call_id"]
    session = request.app[SESSIONS].get(call_id)
    if session is not None:
        raise _json_error(web.HTTPConflict, "the call is still live")
    path = history.recording_path(request.app[SETTINGS].recordings_dir, call_id)
    if path is None:
        raise _json_error(web.HTTPNotFound, "no recording for that call")
    return web.FileResponse(path, headers={"Content-Type": "audio/wav",
                                           "Cache-Control": "private, no-store"})


@routes.get(f"{PREFIX}/api/analytics")
async def analytics(request: web.Request) -> web.Response:
    require_manager(request)
    try:
        days = int(request.query.get("days", "7"))
    except ValueError as err:
        raise _json_error(web.HTTPBadRequest, "days must be a number") from err
    return web.json_response(await dashboard(request.app[DB], days))


# -- wiring ----------------------------------------------------------------------------------
async def _start(app: web.Application) -> None:
    """After the database context made the session manager: the board listens to it."""
    board = app[BOARD] = LiveBoard(app[SESSIONS])
    app[CONTROL] = CallControl(board)


def setup_console(app: web.Application) -> None:
    app.middlewares.append(console_auth)
    app[LIMITER] = LoginLimiter()
    app.on_startup.append(_start)
    app.add_routes(routes)
    app.router.add_get(f"{PREFIX}/ws", console_socket)
