"""A real aiortc guest calls the real app over loopback: greeting, end paths, call records."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from server.appkeys import SESSIONS
from server.settings import Settings
from tests.guest_peer import GuestPeer
from tests.waiting import eventually

pytestmark = pytest.mark.webrtc

Client = TestClient[web.Request, web.Application]


def call_row(settings: Settings, call_id: str) -> sqlite3.Row:
    path = settings.database_url.split("///", 1)[1]
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM voice_calls WHERE id = ?", (call_id,)).fetchone()
    assert isinstance(row, sqlite3.Row)
    return row


async def wait_until_gone(client: Client, session_id: str) -> None:
    await eventually(lambda: client.app[SESSIONS].get(session_id) is None, what="session end")


async def test_guest_hears_greeting_and_staff_ends_call(client: Client, settings: Settings) -> None:
    guest = GuestPeer()
    try:
        session_id = await guest.call(client.session, str(client.make_url("/voice/webrtc")))
        await guest.wait_connected()
        await guest.wait_for_audio()
        session = client.app[SESSIONS].get(session_id)
        assert session is not None
        await eventually(lambda: bool(session.turns), what="greeting played to the end")

        listed = await (await client.get("/voice/sessions")).json()
        assert [s["id"] for s in listed["sessions"]] == [session_id]
        detail = await (await client.get(f"/voice/sessions/{session_id}")).json()
        assert detail["transport"] == "webrtc"
        assert detail["state"] == "connected"
        assert detail["engine"] == "offline"
        assert detail["turns"][0]["role"] == "agent"
        assert "Harbor View Hotel" in detail["turns"][0]["text"]

        resp = await client.post(f"/voice/sessions/{session_id}/end")
        assert resp.status == 200
        await asyncio.wait_for(guest.closed.wait(), 10)
        assert guest.states()[-1] == "ended"
        assert (await (await client.get("/voice/sessions")).json())["sessions"] == []
        row = call_row(settings, session_id)
        assert row["status"] == "completed"
        assert row["end_reason"] == "staff_ended"
        assert row["ended_at"] is not None and row["duration_s"] > 0
        path = settings.database_url.split("///", 1)[1]
        with sqlite3.connect(path) as conn:
            turns = conn.execute("SELECT role, text FROM conversation_turns WHERE call_id = ?",
                                 (session_id,)).fetchall()
            analytics = conn.execute("SELECT turns FROM voice_analytics WHERE call_id = ?",
                                     (session_id,)).fetchone()
        assert turns[0][0] == "agent" and "Harbor View Hotel" in turns[0][1]
        assert analytics == (len(turns),)
    finally:
        await guest.close()


async def test_guest_hangup_completes_the_call(client: Client, settings: Settings) -> None:
    guest = GuestPeer()
    session_id = await guest.call(client.session, str(client.make_url("/voice/webrtc")))
    await guest.wait_connected()
    await guest.hang_up()
    await wait_until_gone(client, session_id)
    row = call_row(settings, session_id)
    assert row["end_reason"] == "guest_hangup"
    assert row["ended_at"] is not None


async def test_guest_vanishing_completes_the_call(client: Client, settings: Settings) -> None:
    guest = GuestPeer()
    session_id = await guest.call(client.session, str(client.make_url("/voice/webrtc")))
    await guest.wait_connected()
    await guest.close()  # no hang-up message: the tab just went away
    await wait_until_gone(client, session_id)
    assert call_row(settings, session_id)["end_reason"] in (
        "guest_disconnected", "connection_failed")


def consent_tasks() -> list[asyncio.Task[object]]:
    """aioice's consent-freshness loops still running (one per connected ICE connection)."""
    return [t for t in asyncio.all_tasks() if not t.done()
            and getattr(t.get_coro(), "__qualname__", "") == "Connection.query_consent"]


async def test_guest_leaving_as_the_call_connects_leaves_no_ice_task(client: Client) -> None:
    """A guest gone right after the answer (the soak bench's `early` guest): the server closes
    its peer connection while ICE is completing, and aioice must not keep checking consent
    forever (`server.voice.ice.stop_consent_after_late_connect`)."""
    for _ in range(3):
        guest = GuestPeer()
        session_id = await guest.call(client.session, str(client.make_url("/voice/webrtc")))
        await guest.close()
        await wait_until_gone(client, session_id)
    await asyncio.sleep(0.5)  # let any connect() still finishing after its close() run on
    assert consent_tasks() == []


async def test_server_shutdown_completes_live_calls(
    aiohttp_server: object, settings: Settings, tmp_path: Path
) -> None:
    from aiohttp import ClientSession
    from aiohttp.test_utils import TestServer

    from server.app import create_app

    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    guest = GuestPeer()
    async with ClientSession() as http:
        session_id = await guest.call(http, str(server.make_url("/voice/webrtc")))
        await guest.wait_connected()
        await server.close()
        await guest.close()
    assert call_row(settings, session_id)["end_reason"] == "server_shutdown"
