"""Staff authentication for everything under `/console`: session cookie, roles, CSRF, origin.

The cookie holds a random token (HttpOnly, SameSite=Strict, path /console); the database keeps
only its hash. Unsafe methods need the session's CSRF token (form field or `X-CSRF-Token`
header); websockets need a same-origin `Origin`. Unauthenticated page loads are redirected to
the login form, API and websocket requests get 401, a staff member on a manager page 403.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote, urlsplit

from aiohttp import web

from server.appkeys import DB
from server.console.accounts import Staff, session_staff

log = logging.getLogger(__name__)

COOKIE = "fd_staff"
LOGIN_CSRF_COOKIE = "fd_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
PREFIX = "/console"
PUBLIC = frozenset({"/console/login"})
_STAFF = web.RequestKey("console_staff", Staff)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def staff_of(request: web.Request) -> Staff:
    """The signed-in staff member (the middleware guarantees one under /console)."""
    staff = request.get(_STAFF)
    if not isinstance(staff, Staff):
        raise web.HTTPUnauthorized(text='{"error": "sign in first"}',
                                   content_type="application/json")
    return staff


def require_manager(request: web.Request) -> Staff:
    staff = staff_of(request)
    if not staff.is_manager:
        raise web.HTTPForbidden(text='{"error": "managers only"}',
                                content_type="application/json")
    return staff


def _wants_html(request: web.Request) -> bool:
    return (request.method == "GET" and "/api/" not in request.path
            and not request.path.endswith("/ws") and "text/html" in request.headers.get(
                "Accept", "text/html"))


def same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser cross-site request (browsers always send Origin on ws)
    return urlsplit(origin).netloc == request.host


def check_csrf(request: web.Request, expected: str, submitted: str | None) -> None:
    if not submitted or not hmac.compare_digest(submitted, expected):
        raise web.HTTPForbidden(text='{"error": "missing or wrong CSRF token"}',
                                content_type="application/json")


def set_session_cookie(response: web.StreamResponse, request: web.Request, token: str) -> None:
    response.set_cookie(COOKIE, token, path=PREFIX, httponly=True, samesite="Strict",
                        secure=request.secure, max_age=12 * 3600)


@web.middleware
async def console_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.path
    if not (path == PREFIX or path.startswith(PREFIX + "/")) or path in PUBLIC:
        return await handler(request)
    token = request.cookies.get(COOKIE)
    staff = await session_staff(request.app[DB], token) if token else None
    if staff is None:
        if _wants_html(request):
            raise web.HTTPFound(f"{PREFIX}/login?next={quote(request.path_qs, safe='')}")
        raise web.HTTPUnauthorized(text='{"error": "sign in first"}',
                                   content_type="application/json")
    request[_STAFF] = staff
    if not same_origin(request):
        raise web.HTTPForbidden(text='{"error": "cross-origin request"}',
                                content_type="application/json")
    if request.method not in _SAFE_METHODS:
        submitted = request.headers.get(CSRF_HEADER)
        if submitted is None and request.content_type in (
                "application/x-www-form-urlencoded", "multipart/form-data"):
            submitted = str((await request.post()).get("csrf_token", "")) or None
        check_csrf(request, staff.csrf_token, submitted)
    return await handler(request)
