"""Staff console access: login with CSRF and rate limiting, session cookies, roles, and 401/403
on every console page, API and websocket without the right session."""

from __future__ import annotations

import re

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from server.appkeys import DB
from server.console.accounts import add_staff
from server.console.models import Role
from server.console.ratelimit import LoginLimiter

Client = TestClient[web.Request, web.Application]

PROTECTED_GETS = [
    "/console", "/console/history", "/console/history/abc", "/console/analytics",
    "/console/api/me", "/console/api/calls", "/console/api/calls/x", "/console/api/history",
    "/console/api/history/x", "/console/api/analytics",
    "/console/recordings/3f2504e0-4f89-11d3-9a0c-0305e82c3301.wav",
]
PROTECTED_POSTS = ["/console/api/calls/x/end", "/console/api/calls/x/announce", "/console/logout"]


async def login(client: Client, name: str, password: str) -> aiohttp.ClientResponse:
    form = await client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', await form.text())
    assert token is not None
    return await client.post("/console/login", allow_redirects=False, data={
        "csrf_token": token.group(1), "name": name, "password": password, "next": "/console"})


def csrf_of(html: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert found is not None
    return found.group(1)


@pytest.fixture
async def staff_client(client: Client) -> Client:
    await add_staff(client.app[DB], "sam", "sam-password-1", Role.STAFF)
    await add_staff(client.app[DB], "maria", "maria-password-1", Role.MANAGER)
    return client


@pytest.mark.parametrize("path", PROTECTED_GETS)
async def test_api_and_pages_need_a_session(client: Client, path: str) -> None:
    resp = await client.get(path, allow_redirects=False,
                            headers={"Accept": "application/json"})
    assert resp.status == 401


async def test_pages_redirect_browsers_to_login(client: Client) -> None:
    resp = await client.get("/console/history", allow_redirects=False,
                            headers={"Accept": "text/html"})
    assert resp.status == 302
    assert resp.headers["Location"].startswith("/console/login?next=")


@pytest.mark.parametrize("path", PROTECTED_POSTS)
async def test_posts_need_a_session(client: Client, path: str) -> None:
    assert (await client.post(path, json={})).status == 401


async def test_websocket_needs_a_session(client: Client) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as err:
        await client.ws_connect("/console/ws")
    assert err.value.status == 401


async def test_login_sets_a_hardened_cookie_and_opens_the_board(staff_client: Client) -> None:
    resp = await login(staff_client, "sam", "sam-password-1")
    assert resp.status == 302 and resp.headers["Location"] == "/console"
    cookie = resp.headers["Set-Cookie"]
    assert "fd_staff=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Path=/console" in cookie
    page = await staff_client.get("/console")
    assert page.status == 200 and "Live calls" in await page.text()
    me = await staff_client.get("/console/api/me")
    assert await me.json() == {"name": "sam", "role": "staff"}


async def test_wrong_password_and_unknown_name_are_refused(staff_client: Client) -> None:
    assert (await login(staff_client, "sam", "not-the-password")).status == 401
    assert (await login(staff_client, "nobody", "whatever-password")).status == 401
    assert (await staff_client.get("/console/api/me")).status == 401


async def test_login_needs_the_form_csrf_token(staff_client: Client) -> None:
    resp = await staff_client.post("/console/login", allow_redirects=False,
                                   data={"name": "sam", "password": "sam-password-1"})
    assert resp.status == 403


async def test_login_is_rate_limited(staff_client: Client) -> None:
    for _ in range(5):
        assert (await login(staff_client, "sam", "wrong-password")).status == 401
    resp = await login(staff_client, "sam", "sam-password-1")  # right, but too many tries
    assert resp.status == 429 and int(resp.headers["Retry-After"]) > 0


def test_limiter_window_expires() -> None:
    now = [0.0]
    limiter = LoginLimiter(max_failures=2, window_s=10, clock=lambda: now[0])
    limiter.failed("1.2.3.4", "a")
    limiter.failed("1.2.3.4", "b")
    assert limiter.retry_after("1.2.3.4", "c") > 0  # the address is limited for any name
    now[0] = 11.0
    assert limiter.retry_after("1.2.3.4", "c") == 0


async def test_unsafe_requests_need_the_session_csrf_token(staff_client: Client) -> None:
    await login(staff_client, "sam", "sam-password-1")
    resp = await staff_client.post("/console/api/calls/x/end", json={})
    assert resp.status == 403
    token = csrf_of(await (await staff_client.get("/console")).text())
    resp = await staff_client.post("/console/api/calls/x/end", json={},
                                   headers={"X-CSRF-Token": token})
    assert resp.status == 404  # past CSRF; there is simply no such live call


async def test_cross_origin_websocket_is_refused(staff_client: Client) -> None:
    await login(staff_client, "sam", "sam-password-1")
    with pytest.raises(aiohttp.WSServerHandshakeError) as err:
        await staff_client.ws_connect("/console/ws", origin="http://evil.example")
    assert err.value.status == 403
    ws = await staff_client.ws_connect("/console/ws")
    snapshot = await ws.receive_json()
    assert snapshot == {"type": "snapshot", "calls": [], "staff": "sam", "role": "staff"}
    await ws.close()


async def test_analytics_is_for_managers(staff_client: Client) -> None:
    await login(staff_client, "sam", "sam-password-1")
    assert (await staff_client.get("/console/api/analytics")).status == 403
    assert (await staff_client.get("/console/analytics")).status == 403
    staff_client.session.cookie_jar.clear()
    await login(staff_client, "maria", "maria-password-1")
    resp = await staff_client.get("/console/api/analytics")
    assert resp.status == 200 and (await resp.json())["total_calls"] == 0
    assert (await staff_client.get("/console/analytics")).status == 200


async def test_logout_revokes_the_session(staff_client: Client) -> None:
    await login(staff_client, "sam", "sam-password-1")
    token = csrf_of(await (await staff_client.get("/console")).text())
    cookie = staff_client.session.cookie_jar.filter_cookies(staff_client.make_url("/console"))
    saved = cookie["fd_staff"].value
    resp = await staff_client.post("/console/logout", data={"csrf_token": token},
                                   allow_redirects=False)
    assert resp.status == 302
    staff_client.session.cookie_jar.update_cookies({"fd_staff": saved},
                                                   staff_client.make_url("/console"))
    assert (await staff_client.get("/console/api/me")).status == 401  # the old token is dead


async def test_open_redirects_are_refused(staff_client: Client) -> None:
    form = await staff_client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', await form.text())
    assert token is not None
    resp = await staff_client.post("/console/login", allow_redirects=False, data={
        "csrf_token": token.group(1), "name": "sam", "password": "sam-password-1",
        "next": "//evil.example/console"})
    assert resp.headers["Location"] == "/console"


async def test_the_guest_page_and_voice_endpoints_stay_public(client: Client) -> None:
    assert (await client.get("/")).status == 200
    assert (await client.get("/health")).status == 200
