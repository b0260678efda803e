"""`WS /voice/webrtc`: the guest's signalling socket, and the aiortc peer behind each call.

One websocket carries one call. The offer is checked before anything is created, so a bad offer
leaves no session or peer connection behind; once a call exists, the websocket closing, a hang-up
message, a failed connection, staff or shutdown all end it through `VoiceSession.end()`.
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import WSMsgType, web
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp

from media.bridge import CallBridge
from media.playout import Playout
from media.transports.webrtc import WEBRTC_RATE, PlayoutTrack, TrackSource, answer_sends_opus
from server.appkeys import CLOCK, ENGINES, SESSIONS, SETTINGS
from server.console.hooks import hooks_for
from server.console.keys import CONTROL
from server.engines import make_engine
from server.hotel.phones import to_e164
from server.voice.ice import rtc_configuration
from server.voice.media_setup import new_echo_canceller, new_turn_detector, open_recorder
from server.voice.session import EndReason, SessionEvent, Transport, VoiceSession
from server.voice.signalling import (
    Answer,
    Candidate,
    CloseCode,
    ErrorCode,
    ErrorMessage,
    Hangup,
    Offer,
    ServerMessage,
    SignallingError,
    StateMessage,
    encode,
    parse_client_message,
)

log = logging.getLogger(__name__)

_CLOSE_FOR_ERROR = {
    ErrorCode.BAD_JSON: CloseCode.UNSUPPORTED_DATA,
    ErrorCode.BAD_MESSAGE: CloseCode.PROTOCOL_ERROR,
    ErrorCode.UNKNOWN_TYPE: CloseCode.PROTOCOL_ERROR,
    ErrorCode.BAD_SDP: CloseCode.BAD_OFFER,
    ErrorCode.TOO_LARGE: CloseCode.TOO_BIG,
    ErrorCode.BAD_STATE: CloseCode.POLICY,
    ErrorCode.SERVER_ERROR: CloseCode.SERVER_ERROR,
}


class GuestSocket:
    """Sends typed messages to the guest page; silently stops once the socket is gone."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws

    async def send(self, message: ServerMessage) -> None:
        if self.ws.closed:
            return
        try:
            await self.ws.send_str(encode(message))
        except (ConnectionError, RuntimeError):
            log.debug("guest socket gone while sending %s", message.type)

    async def fail(self, error: SignallingError) -> None:
        log.warning("signalling error %s: %s", error.code, error.message)
        await self.send(ErrorMessage(error.code, error.message))
        await self.ws.close(code=_CLOSE_FOR_ERROR[error.code], message=error.code.value.encode())


async def webrtc_socket(request: web.Request) -> web.WebSocketResponse:
    app = request.app
    # timeout: how long close() waits for the guest's close frame; a vanished guest gets 2 s.
    ws = web.WebSocketResponse(max_msg_size=app[SETTINGS].max_ws_message_bytes, heartbeat=15.0,
                               timeout=2.0)
    await ws.prepare(request)
    guest = GuestSocket(ws)
    session: VoiceSession | None = None
    pc: RTCPeerConnection | None = None
    end_reason = EndReason.GUEST_DISCONNECTED
    try:
        async for msg in ws:
            if msg.type == WSMsgType.ERROR:
                log.warning("guest websocket error: %s", ws.exception())
                break
            if msg.type != WSMsgType.TEXT:
                await guest.fail(SignallingError(ErrorCode.BAD_MESSAGE, "text messages only"))
                break
            try:
                message = parse_client_message(msg.data)
                if isinstance(message, Offer):
                    if session is not None:
                        raise SignallingError(ErrorCode.BAD_STATE, "this socket has a call")
                    session, pc = await start_call(app, guest, message)
                elif isinstance(message, Candidate):
                    if pc is None:
                        raise SignallingError(ErrorCode.BAD_STATE, "candidate before offer")
                    await add_candidate(pc, message)
                elif isinstance(message, Hangup):
                    end_reason = EndReason.GUEST_HANGUP
                    break
            except SignallingError as err:
                await guest.fail(err)
                break
        if ws.close_code == CloseCode.TOO_BIG:
            log.warning("guest websocket closed: message over %d bytes",
                        app[SETTINGS].max_ws_message_bytes)
    finally:
        # Close our own socket before ending the call, so `end()` never waits on this handler.
        if not ws.closed:
            await ws.close()
        if session is not None:
            await session.end(end_reason)
    return ws


async def add_candidate(pc: RTCPeerConnection, message: Candidate) -> None:
    text = message.candidate.removeprefix("candidate:")
    if not text:
        return  # end-of-candidates
    try:
        candidate = candidate_from_sdp(text)
    except (ValueError, IndexError) as exc:
        raise SignallingError(ErrorCode.BAD_MESSAGE, "malformed ICE candidate") from exc
    candidate.sdpMid = message.sdp_mid
    candidate.sdpMLineIndex = message.sdp_mline_index
    await pc.addIceCandidate(candidate)


async def start_call(
    app: web.Application, guest: GuestSocket, offer: Offer
) -> tuple[VoiceSession, RTCPeerConnection]:
    """Answer the offer, then create the session; a bad offer leaves nothing behind."""
    settings = app[SETTINGS]
    t0 = time.perf_counter()
    pc = RTCPeerConnection(rtc_configuration(settings.stun_servers))
    remote_track: asyncio.Future[MediaStreamTrack] = asyncio.get_running_loop().create_future()

    @pc.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        if track.kind == "audio" and not remote_track.done():
            remote_track.set_result(track)

    playout = Playout(WEBRTC_RATE, app[CLOCK])
    try:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type="offer"))
        if not remote_track.done():
            raise SignallingError(ErrorCode.BAD_SDP, "offer has no audio track")
        pc.addTrack(PlayoutTrack(playout))
        await pc.setLocalDescription(await pc.createAnswer())
        if not answer_sends_opus(pc.localDescription.sdp):  # PlayoutTrack sends Opus packets
            raise SignallingError(ErrorCode.BAD_SDP, "offer does not take Opus audio first")
    except SignallingError:
        await pc.close()
        raise
    except Exception as exc:
        await pc.close()
        raise SignallingError(ErrorCode.BAD_SDP, f"cannot answer this offer: {exc}") from exc

    try:
        session = await app[SESSIONS].create(Transport.WEBRTC, to_e164(offer.caller))
    except Exception:
        await pc.close()
        raise
    session.timings["offer_to_answer"] = round(1000 * (time.perf_counter() - t0), 2)
    session.add_closer("websocket", lambda: _close_guest(guest))
    session.add_closer("peer connection", pc.close)
    session.add_listener(lambda event: _forward_state(session, guest, event))
    playout.add_listener(lambda event: session.set_agent_state(
        "speaking" if playout.is_playing else "listening"))

    engine = make_engine(app[ENGINES], hooks=hooks_for(app[CONTROL], session))
    session.engine_name = engine.name
    source = TrackSource(remote_track.result(), engine.input_rate)
    bridge = CallBridge(session.id, source, playout, engine, emit=session.on_engine_output,
                        caller=session.caller, turn_detector=await new_turn_detector(settings),
                        recorder=open_recorder(settings, session),
                        echo_canceller=new_echo_canceller(settings, Transport.WEBRTC,
                                                          engine.input_rate))
    session.bridge = bridge
    session.playout = playout
    started = False

    @pc.on("connectionstatechange")
    async def on_state() -> None:
        nonlocal started
        state = pc.connectionState
        log.info("call %s: peer connection %s", session.id, state)
        if state == "connected" and not started:
            started = True
            session.mark_connected()
            session.own_task(bridge.run(), "bridge")
        elif state in ("failed", "closed"):
            session.own_task(session.end(EndReason.CONNECTION_FAILED), "end")

    local = pc.localDescription
    await guest.send(Answer(sdp=local.sdp, session_id=session.id))
    log.info("call %s: answered in %.1f ms", session.id, session.timings["offer_to_answer"])
    return session, pc


def _forward_state(session: VoiceSession, guest: GuestSocket, event: SessionEvent) -> None:
    """Call and agent state → the guest page. "ended" is sent by the websocket's closer."""
    if event.kind == "state" and event.value != "ended":
        session.own_task(guest.send(StateMessage(event.value)), "send-state")
    elif event.kind == "agent":
        state = "agent_speaking" if event.value == "speaking" else "connected"
        session.own_task(guest.send(StateMessage(state)), "send-state")


async def _close_guest(guest: GuestSocket) -> None:
    await guest.send(StateMessage("ended", "call ended"))
    if not guest.ws.closed:
        await guest.ws.close(code=CloseCode.CALL_ENDED, message=b"call ended")
