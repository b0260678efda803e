"""GET /voice/sessions/{id} shows the engine a call runs on, and follows a failover."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from media.engine import EngineSwitched
from server.appkeys import SESSIONS
from server.voice.session import Transport


async def test_engine_field_follows_engine_switched(
        client: TestClient[web.Request, web.Application]) -> None:
    assert client.app is not None
    session = await client.app[SESSIONS].create(Transport.WEBRTC, "+447700900101")
    session.engine_name = "openai-realtime"
    events: list[str] = []
    session.add_listener(lambda e: events.append(f"{e.kind}:{e.value}"))
    resp = await client.get(f"/voice/sessions/{session.id}")
    assert (await resp.json())["engine"] == "openai-realtime"
    session.on_engine_output(EngineSwitched("offline", "RealtimeUnavailable: down"))
    resp = await client.get(f"/voice/sessions/{session.id}")
    assert (await resp.json())["engine"] == "offline"
    assert "engine:offline" in events
    await session.end("staff_ended")
