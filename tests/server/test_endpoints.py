"""Health and session endpoints, and bad input on the signalling socket."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient

from server.voice.signalling import CloseCode

Client = TestClient[web.Request, web.Application]
FIXTURES = Path(__file__).parent / "fixtures" / "sdp"


async def test_health(client: Client) -> None:
    body = await (await client.get("/health")).json()
    assert body == {"status": "ok", "voice_enabled": True, "voice_sessions": 0}


async def test_voice_health_reports_engine_and_database(client: Client) -> None:
    body = await (await client.get("/voice/health")).json()
    assert body == {"status": "ok", "active_sessions": 0, "engine": "offline",
                    "database": "reachable"}


async def test_landing_page_shows_hotel_and_call_button(client: Client) -> None:
    html = await (await client.get("/")).text()
    assert "Harbor View Hotel" in html
    assert "12 Quay Street, Portsmouth" in html
    assert 'id="call"' in html and 'id="hangup"' in html
    assert (await client.get("/static/guest.js")).status == 200


async def test_unknown_session_is_404(client: Client) -> None:
    assert (await client.get("/voice/sessions/nope")).status == 404
    assert (await client.post("/voice/sessions/nope/end")).status == 404
    assert (await (await client.get("/voice/sessions")).json()) == {"sessions": []}


async def _send_and_expect_close(client: Client, payload: str | bytes) -> tuple[dict[str, str],
                                                                             int | None]:
    ws = await client.ws_connect("/voice/webrtc")
    if isinstance(payload, bytes):
        await ws.send_bytes(payload)
    else:
        await ws.send_str(payload)
    error: dict[str, str] = {}
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            error = json.loads(msg.data)
    return error, ws.close_code


@pytest.mark.parametrize(
    ("payload", "code", "close"),
    [
        ("{nope", "bad_json", CloseCode.UNSUPPORTED_DATA),
        ('{"type": "subscribe"}', "unknown_type", CloseCode.PROTOCOL_ERROR),
        ('{"type": "candidate", "candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host"}',
         "bad_state", CloseCode.POLICY),
        (json.dumps({"type": "offer", "sdp": (FIXTURES / "video_only.sdp").read_text()}),
         "bad_sdp", CloseCode.BAD_OFFER),
        (json.dumps({"type": "offer", "sdp": (FIXTURES / "audio_no_ice.sdp").read_text()}),
         "bad_sdp", CloseCode.BAD_OFFER),
        (b"\x00\x01", "bad_message", CloseCode.PROTOCOL_ERROR),
    ],
)
async def test_bad_signalling_gets_typed_error_and_close(
    client: Client, payload: str | bytes, code: str, close: int
) -> None:
    error, close_code = await _send_and_expect_close(client, payload)
    assert error["type"] == "error" and error["code"] == code
    assert close_code == close
    assert (await (await client.get("/voice/sessions")).json()) == {"sessions": []}


async def test_oversized_message_closes_socket(client: Client) -> None:
    _, close_code = await _send_and_expect_close(client, "x" * (300 * 1024))
    assert close_code == 1009
    assert (await (await client.get("/voice/sessions")).json()) == {"sessions": []}
