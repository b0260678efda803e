"""A scripted guest: an aiortc peer that calls `WS /voice/webrtc` like the web page does."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import av
import numpy as np
from aiohttp import ClientSession, ClientWebSocketResponse, WSMsgType
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError

from media.transports.webrtc import av_to_mono
from tests.waiting import eventually


class GuestPeer:
    """Offers audio, plays `track` (silence by default) and measures the audio it receives.

    Also serves as the staff console's listen-in peer (`offer()` without `call()`)."""

    def __init__(self, track: MediaStreamTrack | None = None) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pc.addTrack(track or AudioStreamTrack())
        self.ws: ClientWebSocketResponse | None = None
        self.session_id: str | None = None
        self.messages: list[dict[str, Any]] = []
        self.received_samples: list[np.ndarray[Any, np.dtype[np.int16]]] = []
        self.peak_rms = 0.0
        self._reader: asyncio.Task[None] | None = None
        self._ws_reader: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()

        @self.pc.on("track")
        def on_track(remote: MediaStreamTrack) -> None:
            self._reader = asyncio.ensure_future(self._read(remote))

    async def _read(self, remote: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await remote.recv()
                assert isinstance(frame, av.AudioFrame)
                mono, _ = av_to_mono(frame)
                self.received_samples.append(mono)
                rms = float(np.sqrt(np.mean(mono.astype(np.float64) ** 2)))
                self.peak_rms = max(self.peak_rms, rms)

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return str(self.pc.localDescription.sdp)

    async def call(self, http: ClientSession, url: str) -> str:
        sdp = await self.offer()
        self.ws = await http.ws_connect(url)
        await self.ws.send_str(json.dumps({"type": "offer", "sdp": sdp}))
        answer = await self.next_message("answer")
        self.session_id = str(answer["session_id"])
        await self.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
        self._ws_reader = asyncio.ensure_future(self._read_ws())
        return self.session_id

    async def next_message(self, kind: str) -> dict[str, Any]:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type != WSMsgType.TEXT:
                break
            data: dict[str, Any] = json.loads(msg.data)
            self.messages.append(data)
            if data.get("type") == kind:
                return data
        raise AssertionError(f"socket closed before a {kind!r} message: {self.messages}")

    async def _read_ws(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type == WSMsgType.TEXT:
                self.messages.append(json.loads(msg.data))
        self.closed.set()

    async def wait_connected(self) -> None:
        await eventually(lambda: self.pc.connectionState == "connected", what="connected")

    async def wait_for_audio(self, min_rms: float = 300.0) -> None:
        await eventually(lambda: self.peak_rms >= min_rms, what="agent audio")

    def states(self) -> list[str]:
        return [m["state"] for m in self.messages if m.get("type") == "state"]

    async def hang_up(self) -> None:
        assert self.ws is not None
        await self.ws.send_str(json.dumps({"type": "hangup"}))
        await self.close()

    async def close(self) -> None:
        for task in (self._reader, self._ws_reader):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self.ws is not None and not self.ws.closed:
            await self.ws.close()
        await self.pc.close()
