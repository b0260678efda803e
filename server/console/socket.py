"""`WS /console/ws`: the live board pushed to one staff page, and that page's listen-in peers.

Everything this socket opens (its board subscription, its staff peers, a take-over it holds) is
closed when the socket closes, whichever side closes it; a call's peer closes when the call ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import WSMsgType, web

from server.appkeys import CLOCK, ENGINES, SETTINGS
from server.console.accounts import Staff
from server.console.auth import staff_of
from server.console.board import LiveBoard, Subscriber
from server.console.control import CallControl, ControlError
from server.console.keys import BOARD, CONTROL
from server.console.staff_peer import StaffPeer, open_staff_peer
from server.console.staff_transcript import StaffTranscriber
from server.console.taps import taps_for
from server.console.wire import (
    BadMessage,
    CallDetail,
    CallEnded,
    ClientMessage,
    ControlDone,
    ErrorCode,
    ErrorMessage,
    HandBack,
    Listen,
    ListenAnswer,
    Snapshot,
    StopListening,
    TakeOver,
    Watch,
    encode,
    parse_client_message,
)
from server.voice.media_setup import new_turn_detector
from server.voice.session import turn_json

log = logging.getLogger(__name__)

OVERFLOW_CLOSE = 4008


class ConsoleConnection:
    def __init__(self, request: web.Request, ws: web.WebSocketResponse, staff: Staff) -> None:
        self.app = request.app
        self.ws = ws
        self.staff = staff
        self.board: LiveBoard = self.app[BOARD]
        self.control: CallControl = self.app[CONTROL]
        self.sub: Subscriber = self.board.subscribe()
        self.peers: dict[str, StaffPeer] = {}

    def reply(self, message: ErrorMessage | CallDetail | ListenAnswer | ControlDone) -> None:
        self.sub.push(message)  # one sender task writes to the socket, in order

    async def send_loop(self) -> None:
        while True:
            message = await self.sub.queue.get()
            if self.sub.overflowed.is_set():
                await self.ws.close(code=OVERFLOW_CLOSE, message=b"too slow; reconnect")
                return
            if isinstance(message, CallEnded):
                await self.close_peer(message.call_id)
            try:
                await self.ws.send_str(encode(message))
            except (ConnectionError, RuntimeError):
                return

    async def handle(self, message: ClientMessage) -> None:
        session = self.board.sessions.get(message.call_id)
        if session is None:
            raise ControlError("that call is not live")
        if isinstance(message, Watch):
            self.reply(CallDetail(self.board.summary(session),
                                  [turn_json(t) for t in session.turns]))
        elif isinstance(message, Listen):
            await self.close_peer(session.id)
            session = self.control.live(session.id)
            if session.bridge is None:
                raise ControlError("the call has no audio yet")
            settings = self.app[SETTINGS]
            try:
                transcriber = StaffTranscriber(session, self.app[ENGINES].stt,
                                               await new_turn_detector(settings))
                peer, answer = await open_staff_peer(
                    session, taps_for(session), self.app[CLOCK], settings.stun_servers,
                    self.staff.name, message.sdp, transcriber)
            except Exception as exc:
                log.warning("console: cannot answer a listen offer: %s", exc)
                self.reply(ErrorMessage(ErrorCode.BAD_SDP, "cannot answer that offer"))
                return
            if self.ws.closed or session.ended.is_set():
                await peer.close()
                return
            self.peers[session.id] = peer
            self.board.extra(session.id).listeners += 1
            self.board.changed(session.id)
            self.reply(ListenAnswer(session.id, answer))
        elif isinstance(message, StopListening):
            await self.close_peer(session.id)
            self.reply(ControlDone(session.id, "stop_listening"))
        elif isinstance(message, TakeOver):
            holder = self.peers.get(session.id)
            if holder is None:
                raise ControlError("listen to the call before taking it over")
            self.control.take_over(session, holder, self.staff)
            self.reply(ControlDone(session.id, "take_over"))
        elif isinstance(message, HandBack):
            mine = self.peers.get(session.id)
            if mine is None:
                raise ControlError("you have not taken this call over")
            self.control.hand_back(session, mine)
            self.reply(ControlDone(session.id, "hand_back"))

    async def close_peer(self, call_id: str) -> None:
        peer = self.peers.pop(call_id, None)
        if peer is None:
            return
        self.control.release(peer)
        await peer.close()
        extra = self.board.extras.get(call_id)
        if extra is not None:
            extra.listeners = max(0, extra.listeners - 1)
            self.board.changed(call_id)

    async def close(self) -> None:
        self.board.unsubscribe(self.sub)
        for call_id in list(self.peers):
            try:
                await self.close_peer(call_id)
            except Exception:
                log.exception("console: closing a staff peer failed")


async def console_socket(request: web.Request) -> web.WebSocketResponse:
    staff = staff_of(request)
    ws = web.WebSocketResponse(max_msg_size=request.app[SETTINGS].max_ws_message_bytes,
                               heartbeat=20.0, timeout=2.0)
    await ws.prepare(request)
    conn = ConsoleConnection(request, ws, staff)
    conn.sub.push(Snapshot(conn.board.calls(), staff.name, staff.role.value))
    sender = asyncio.create_task(conn.send_loop(), name="console-send")
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                break
            try:
                await conn.handle(parse_client_message(msg.data))
            except BadMessage as err:
                conn.reply(ErrorMessage(ErrorCode.BAD_MESSAGE, err.message))
            except ControlError as err:
                conn.reply(ErrorMessage(ErrorCode.BAD_STATE, str(err)))
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
        await conn.close()
        if not ws.closed:
            await ws.close()
    return ws
