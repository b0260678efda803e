"""The console against real calls: an aiortc guest calls, a signed-in staff member sees it on the
live board, watches its transcript, announces, listens in (hears both sides), accepts a
department transfer (take-over: their audio reaches the guest), hands back and ends the call;
then the call is in history with its recording."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from typing import Any

import av
import numpy as np
import pytest
from aiohttp import ClientWebSocketResponse, WSMsgType, web
from aiohttp.test_utils import TestClient
from aiortc import RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack

from server.appkeys import DB, SESSIONS
from server.console.accounts import add_staff
from server.console.hooks import hooks_for
from server.console.keys import BOARD, CONTROL
from server.console.models import Role
from server.tools.context import TransferTarget
from tests.guest_peer import GuestPeer
from tests.server.test_console_auth import csrf_of, login
from tests.waiting import eventually

pytestmark = pytest.mark.webrtc

Client = TestClient[web.Request, web.Application]


class ToneTrack(AudioStreamTrack):
    """The staff member's 'microphone': a steady 440 Hz tone."""

    def __init__(self) -> None:
        super().__init__()
        self._n = 0

    async def recv(self) -> av.AudioFrame:
        frame = await super().recv()  # paced silence, replaced by the tone
        assert isinstance(frame, av.AudioFrame)
        n = frame.samples
        t = (np.arange(n) + self._n) / frame.sample_rate
        self._n += n
        tone = (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
        out = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="s16", layout="mono")
        out.sample_rate = frame.sample_rate
        out.pts = frame.pts
        out.time_base = frame.time_base
        return out


class ConsoleSocket:
    def __init__(self, ws: ClientWebSocketResponse) -> None:
        self.ws = ws
        self.messages: list[dict[str, Any]] = []
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type == WSMsgType.TEXT:
                self.messages.append(json.loads(msg.data))

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == kind]

    async def send(self, **message: Any) -> None:
        await self.ws.send_str(json.dumps(message))

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


async def test_staff_console_on_a_live_call(client: Client) -> None:
    await add_staff(client.app[DB], "sam", "sam-password-1", Role.STAFF)
    await login(client, "sam", "sam-password-1")
    csrf = csrf_of(await (await client.get("/console")).text())
    console = ConsoleSocket(await client.ws_connect("/console/ws"))
    guest = GuestPeer()
    staff = GuestPeer(ToneTrack())  # listen-in peer; its "microphone" is a tone
    try:
        await eventually(lambda: bool(console.of("snapshot")), what="snapshot")
        call_id = await guest.call(client.session, str(client.make_url("/voice/webrtc")))
        await guest.wait_connected()
        # The board is pushed: the call appears, connected, and its greeting turn arrives.
        await eventually(lambda: any(m["call"]["id"] == call_id and m["call"]["state"] ==
                                     "connected" for m in console.of("call_updated")),
                         what="call on the board")
        await eventually(lambda: any(m["call_id"] == call_id for m in console.of("turn")),
                         what="greeting turn pushed")
        await console.send(type="watch", call_id=call_id)
        await eventually(lambda: bool(console.of("call_detail")), what="call detail")
        assert "Harbor View" in console.of("call_detail")[0]["turns"][0]["text"]

        # Listen in.
        await console.send(type="listen", call_id=call_id, sdp=await staff.offer())
        await eventually(lambda: bool(console.of("listen_answer")), what="listen answer")
        answer = console.of("listen_answer")[0]["sdp"]
        await staff.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        await eventually(lambda: staff.pc.connectionState == "connected", what="staff peer")

        # Announce: the agent speaks it; the listener hears it; the transcript shows the tool.
        session = client.app[SESSIONS].get(call_id)
        assert session is not None and session.playout is not None
        playout = session.playout
        await eventually(lambda: not playout.is_playing, within=30, what="greeting")
        resp = await client.post(f"/console/api/calls/{call_id}/announce",
                                 json={"text": "Your taxi is waiting outside."},
                                 headers={"X-CSRF-Token": csrf})
        assert resp.status == 200
        await eventually(lambda: staff.peak_rms > 300, within=30, what="listen-in audio")
        def announced() -> list[dict[str, Any]]:
            return [m["turn"] for m in console.of("turn") if m["turn"]["tool_calls"]]

        await eventually(lambda: bool(announced()), what="announcement turn")
        assert announced()[0]["tool_calls"][0]["name"] == "announce_to_session"
        await eventually(lambda: not playout.is_playing, within=30, what="announcement")

        # A transfer queues the call in its department with hold music and the agent paused.
        hooks = hooks_for(client.app[CONTROL], session)
        assert await hooks.transfer(TransferTarget("reservations", "Reservations", "201",
                                                   "booking", 1))
        assert session.bridge is not None and session.bridge.engine_paused
        assert client.app[BOARD].extra(call_id).department == "reservations"
        await eventually(lambda: playout.is_playing, what="hold music")

        # Accept it: take over. The agent's audio stops and the staff tone reaches the guest.
        await console.send(type="take_over", call_id=call_id)
        await eventually(lambda: any(m["action"] == "take_over"
                                     for m in console.of("control_done")), what="take-over")
        board_row = client.app[BOARD].summary(session)
        assert board_row.taken_over_by == "sam" and board_row.department is None
        guest.peak_rms = 0.0
        await eventually(lambda: guest.peak_rms > 1000, within=20, what="staff audio at guest")

        await console.send(type="hand_back", call_id=call_id)
        await eventually(lambda: any(m["action"] == "hand_back"
                                     for m in console.of("control_done")), what="hand back")
        assert not session.bridge.engine_paused
        assert client.app[BOARD].summary(session).taken_over_by is None

        # Someone else cannot take over a call without listening first.
        await console.send(type="take_over", call_id="no-such-call")
        await eventually(lambda: bool(console.of("error")), what="error reply")

        resp = await client.post(f"/console/api/calls/{call_id}/end",
                                 headers={"X-CSRF-Token": csrf})
        assert resp.status == 200
        await eventually(lambda: any(m["call_id"] == call_id for m in console.of("call_ended")),
                         what="call_ended pushed")
        await asyncio.wait_for(guest.closed.wait(), 10)
    finally:
        await staff.close()
        await guest.close()
        await console.close()

    # History: the call, its transcript (with the take-over as system turns) and recording.
    async def in_history() -> dict[str, Any]:
        found = await (await client.get("/console/api/history?caller=")).json()
        return {c["id"]: c for c in found["calls"]}

    calls = await in_history()
    assert calls[call_id]["end_reason"] == "staff_ended"
    record = await (await client.get(f"/console/api/history/{call_id}")).json()
    texts = [t["text"] for t in record["transcript"]]
    assert any("took over" in t for t in texts) and any("handed the call back" in t for t in texts)
    assert record["has_recording"]
    wav = await client.get(f"/console/recordings/{call_id}.wav")
    assert wav.status == 200 and (await wav.read())[:4] == b"RIFF"
    assert re.fullmatch(r"[0-9a-f-]{36}", call_id)
