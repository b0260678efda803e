"""`WS /voice/twilio/stream`: a Twilio media stream into the same `CallBridge` as WebRTC.

The upgrade request must carry Twilio's signature of the wss:// URL. After `start` (which names
the session created by the inbound webhook, or marks an outbound callback) the call is assembled
like a WebRTC one: `MulawSource` → `CallBridge` (turn detector, recorder, engine) → `Playout`.
The app's `PhoneSender` paces agent audio on the shared `FrameClock` (one timer for all streams):
one `media` message per 20 ms, a `mark` every few frames; Twilio echoes marks once played, and
the playout tracks those acks so barge-in (`clear`) truncates at what the caller actually heard.

Bad input never crashes the call: non-JSON or non-text frames close the socket (1007/1003),
malformed messages, media before `start`, bad base64 and wrong payload sizes are logged and
dropped until `MAX_BAD_MESSAGES`, then the socket closes (1008); oversize messages close it (1009).
"""

from __future__ import annotations

import asyncio
import enum
import logging

from aiohttp import WSCloseCode, WSMsgType, web
from sqlalchemy import update

from media.bridge import CallBridge
from media.errors import BadAudioFrame, TransportClosed
from media.events import PlayoutCleared, PlayoutEvent
from media.playout import MAX_FRAMES_BEHIND, Playout
from media.speech.tts import EspeakTTS
from media.transports.bytes import MULAW_RATE, MulawEncoder, MulawSource
from server.appkeys import CLOCK, DB, ENGINES, SESSIONS, SETTINGS
from server.engines import make_engine
from server.tools import ToolContext, execute_voice_tool
from server.twilio.hooks import PhoneCallHooks, speak
from server.twilio.models import TwilioCall
from server.twilio.protocol import (
    Connected,
    Dtmf,
    Mark,
    Media,
    OutboundEncoder,
    Start,
    Stop,
    StreamErrorCode,
    StreamProtocolError,
    parse_inbound,
)
from server.twilio.signature import SIGNATURE_HEADER, is_signed, public_ws_url
from server.twilio.state import (
    CALL_CONTROL,
    PHONE_CALLS,
    PHONE_SENDER,
    STREAM_STATS,
    PhoneCall,
)
from server.twilio.webhooks import FINAL_RANK, _upsert_call
from server.voice.media_setup import new_echo_canceller, new_turn_detector, open_recorder
from server.voice.session import EndReason, Transport

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 16 * 1024  # a media message is ~300 bytes; start with parameters ~2 KB
MAX_BAD_MESSAGES = 50
MARK_EVERY_FRAMES = 5  # one mark per 100 ms of audio, and one at the end of each utterance
# Agent audio is dropped (not queued) while this much is still unsent on the socket: a stalled
# connection must not grow memory or make the shared sender wait (aiohttp pauses at 64 KiB).
MAX_UNSENT_BYTES = 16 * 1024


class StreamClose(enum.IntEnum):
    ENDED = 1000
    UNSUPPORTED = 1003
    BAD_DATA = 1007
    POLICY = 1008
    TOO_BIG = 1009
    SERVER_ERROR = 1011


class StreamRejected(Exception):
    """The `start` does not belong to a call we know, or asks for another audio format."""


class PhoneStream:
    """One live stream: pushes caller audio in, paces agent audio out, handles marks/DTMF."""

    def __init__(self, app: web.Application, ws: web.WebSocketResponse, phone: PhoneCall,
                 stream_sid: str, playout: Playout, source: MulawSource,
                 hooks: PhoneCallHooks, tts: EspeakTTS,
                 transport: asyncio.WriteTransport) -> None:
        self.app = app
        self.ws = ws
        self.transport = transport
        self.messages = OutboundEncoder(stream_sid)
        self.clock = playout.clock
        self.phone = phone
        self.session = phone.session
        self.stream_sid = stream_sid
        self.playout = playout
        self.source = source
        self.encoder = MulawEncoder()
        self.stats = app[STREAM_STATS]
        self.tts = tts
        self.hooks = hooks
        self.digits = ""
        self._dtmf_lock = asyncio.Lock()
        self._clear_pending = False
        self._unmarked = 0
        self._mark_seq = 0
        self._next_tick: int | None = None
        self.frames_skipped = 0
        self.frames_dropped = 0
        playout.track_acks()
        playout.add_listener(self._on_playout)

    def _on_playout(self, event: PlayoutEvent) -> None:
        if isinstance(event, PlayoutCleared):
            self._clear_pending = True  # sent by the sender, in order, before any new audio
        self.session.set_agent_state("speaking" if self.playout.is_playing else "listening")

    def _writable(self) -> bool:
        return not self.ws.closed and not self.transport.is_closing()

    def _mark_frame(self) -> bytes:
        self._mark_seq += 1
        name = f"m{self._mark_seq}"
        self.playout.sent(name)
        self._unmarked = 0
        self.stats.marks_sent += 1
        return self.messages.mark_frame(name)

    def on_tick(self, tick: int) -> None:
        """Called by the app's `PhoneSender` once per clock tick: pull this tick's playout frame
        (and any missed ones, up to `MAX_FRAMES_BEHIND`, like `Playout.next_frame`) and send
        it: `clear` first after a barge-in, `media` only for frames with audio, marks.

        The tick's messages go to the socket as websocket frames in one write, synchronously
        (no task, no await: the sender runs in the clock's timer callback), and only while the
        socket is open; `ws.closed` is set before aiohttp writes its close frame, so nothing
        follows that."""
        if not self._writable():
            return
        if self._next_tick is None:
            self._next_tick = tick
        elif tick - self._next_tick > MAX_FRAMES_BEHIND:
            self.frames_skipped += tick - self._next_tick
            self._next_tick = tick
        out: list[bytes] = []
        while self._next_tick <= tick:
            due = self._next_tick
            self._next_tick += 1
            self._frame(due, out)
        if out:
            self.transport.write(out[0] if len(out) == 1 else b"".join(out))

    def _frame(self, tick: int, out: list[bytes]) -> None:
        frame = self.playout.pull_frame()
        if self._clear_pending:
            self._clear_pending = False
            self.encoder.reset()
            self._unmarked = 0
            self.stats.clears_sent += 1
            out.append(self.messages.clear_frame())
        if not self.playout.last_frame_had_audio:
            if self._unmarked:
                out.append(self._mark_frame())
            return
        now = self.clock.now()
        self.stats.add_lateness(1000.0 * max(0.0, now - self.clock.deadline(tick)), now)
        for payload in self.encoder.encode(frame):
            if self.transport.get_write_buffer_size() > MAX_UNSENT_BYTES:
                self.frames_dropped += 1
                continue
            out.append(self.messages.media_frame(payload))
        self._unmarked += 1
        if self._unmarked >= MARK_EVERY_FRAMES or not self.playout.is_playing:
            out.append(self._mark_frame())

    def on_media(self, message: Media) -> None:
        self.source.push(message.payload)  # BadAudioFrame for a wrong size

    def on_mark(self, message: Mark) -> None:
        if not self.playout.ack(message.name):
            log.debug("call %s: mark %s ignored (cleared or unknown)", self.session.id,
                      message.name)

    def on_dtmf(self, message: Dtmf) -> None:
        self.session.own_task(self._dtmf(message.digit), "dtmf")

    async def _dtmf(self, digit: str) -> None:
        """Keypad digits → `handle_ivr_menu`; its answer is spoken, a transfer carried out."""
        async with self._dtmf_lock:
            self.digits = (self.digits + digit)[-8:]
            ctx = ToolContext(db=self.app[DB], call_id=self.session.id,
                              caller=self.session.caller, hooks=self.hooks)
            result = await execute_voice_tool("handle_ivr_menu", {"digits": self.digits}, ctx)
            action = result.data.get("action") if result.ok else None
            if not result.ok or action in ("transfer", "intent"):
                self.digits = ""
            if self.playout.is_playing:
                self.playout.clear()  # the caller chose: stop the menu being read out
            await speak(self.playout, self.tts, result.speech)
            if action == "transfer":
                department = str(result.data.get("department", ""))
                moved = await execute_voice_tool("transfer_to_human",
                                                 {"department": department}, ctx)
                if not moved.ok:
                    await speak(self.playout, self.tts, moved.speech)


def _verify_upgrade(request: web.Request) -> None:
    settings = request.app[SETTINGS]
    url = public_ws_url(settings, request.path_qs)
    if not is_signed(settings, url, {}, request.headers.get(SIGNATURE_HEADER)):
        raise web.HTTPForbidden(text="bad or missing Twilio signature")


async def twilio_stream(request: web.Request) -> web.WebSocketResponse:
    _verify_upgrade(request)  # before the upgrade: a forged request gets a plain 403
    app = request.app
    # compress=False: base64 μ-law barely compresses, and deflating 50 messages a second per
    # call would cost more CPU than all the rest of the stream.
    ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE_BYTES, timeout=2.0, compress=False)
    await ws.prepare(request)
    stream: PhoneStream | None = None
    end_reason = EndReason.GUEST_DISCONNECTED
    bad = 0
    sender = app[PHONE_SENDER]
    try:
        async for msg in ws:
            sender.poll()  # a due tick goes out now, not after this loop iteration's backlog
            if msg.type == WSMsgType.ERROR:
                log.warning("twilio stream error: %s", ws.exception())
                break
            if msg.type != WSMsgType.TEXT:
                log.warning("twilio stream: non-text frame; closing")
                await ws.close(code=StreamClose.UNSUPPORTED, message=b"text frames only")
                break
            try:
                message = parse_inbound(msg.data)
                if isinstance(message, Start):
                    if stream is not None:
                        raise StreamProtocolError(StreamErrorCode.BAD_MESSAGE, "second start")
                    stream = await _start_or_fail(app, ws, message, request.transport)
                    if stream is None:
                        break
                elif isinstance(message, Stop):
                    end_reason = EndReason.GUEST_HANGUP
                    break
                elif isinstance(message, Connected):
                    continue
                elif stream is None:
                    raise StreamProtocolError(StreamErrorCode.BAD_MESSAGE,
                                              f"{type(message).__name__} before start")
                elif isinstance(message, Media):
                    stream.on_media(message)
                elif isinstance(message, Mark):
                    stream.on_mark(message)
                elif isinstance(message, Dtmf):
                    stream.on_dtmf(message)
            except StreamRejected as err:
                log.warning("twilio stream rejected: %s", err)
                await ws.close(code=StreamClose.POLICY, message=b"unknown call")
                break
            except (StreamProtocolError, BadAudioFrame, TransportClosed) as err:
                code = getattr(err, "code", StreamErrorCode.BAD_PAYLOAD)
                if code is StreamErrorCode.BAD_JSON:
                    log.warning("twilio stream: not JSON; closing")
                    await ws.close(code=StreamClose.BAD_DATA, message=b"bad json")
                    break
                bad += 1
                app[STREAM_STATS].bad_messages += 1
                log.warning("twilio stream: %s (%s) ignored", err, code)
                if bad >= MAX_BAD_MESSAGES:
                    await ws.close(code=StreamClose.POLICY, message=b"too many bad messages")
                    break
        if ws.close_code == WSCloseCode.MESSAGE_TOO_BIG:
            log.warning("twilio stream closed: message over %d bytes", MAX_MESSAGE_BYTES)
    finally:
        if not ws.closed:
            await ws.close()
        if stream is not None:
            await stream.session.end(end_reason)
    return ws


async def _start_or_fail(app: web.Application, ws: web.WebSocketResponse, start: Start,
                         transport: asyncio.BaseTransport | None) -> PhoneStream | None:
    """`start_stream`, but a failure while assembling the call ends that call (1011)."""
    try:
        return await start_stream(app, ws, start, transport)
    except StreamRejected:
        raise
    except Exception:
        log.exception("twilio stream %s: could not start the call", start.stream_sid)
        phone = app[PHONE_CALLS].by_call_sid(start.call_sid)
        if phone is not None:
            await phone.session.end(EndReason.ERROR)
        await ws.close(code=StreamClose.SERVER_ERROR, message=b"server error")
        return None


async def _session_for(app: web.Application, start: Start) -> PhoneCall:
    """The call this stream belongs to: the inbound webhook's session, or a new session for an
    outbound callback (its TwiML carries `direction=outbound`), or with several server
    processes a new session for an inbound call recorded by any of them."""
    params = start.custom_parameters
    calls = app[PHONE_CALLS]
    session_id = params.get("session_id")
    if session_id:
        phone = calls.get(session_id)
        if phone is None or phone.call_sid != start.call_sid or phone.stream_sid is not None:
            raise StreamRejected(f"no waiting call {session_id} for {start.call_sid}")
        return phone
    if params.get("direction") == "inbound" and app[SETTINGS].workers > 1:
        return await _claim_inbound(app, start)
    if params.get("direction") != "outbound" or calls.by_call_sid(start.call_sid):
        raise StreamRejected(f"stream for unknown call {start.call_sid}")
    guest = params.get("to") or None
    session = await app[SESSIONS].create(Transport.TWILIO, guest)
    phone = PhoneCall(session, start.call_sid, "outbound-api", guest)
    calls.track(phone)
    await _upsert_call(app[DB], start.call_sid, call_id=session.id, direction="outbound-api",
                       to_number=guest, status="in-progress")
    return phone


async def _claim_inbound(app: web.Application, start: Start) -> PhoneCall:
    """Several processes: the inbound webhook (in any of them) recorded the call without a
    session; this process makes the session and claims the row, once (a second stream for the
    same call finds it claimed and is rejected)."""
    calls, db = app[PHONE_CALLS], app[DB]
    async with db.session() as s:
        row = await s.get(TwilioCall, start.call_sid)
        if (row is None or row.call_id is not None or calls.by_call_sid(start.call_sid)
                or row.status_rank >= FINAL_RANK):
            raise StreamRejected(f"no waiting inbound call {start.call_sid}")
        caller, direction, to_number = row.from_number, row.direction, row.to_number
    session = await app[SESSIONS].create(Transport.TWILIO, caller)
    phone = PhoneCall(session, start.call_sid, direction, to_number)
    calls.track(phone)
    async with db.session() as s:
        claimed = await s.execute(update(TwilioCall).where(
            TwilioCall.call_sid == start.call_sid, TwilioCall.call_id.is_(None))
            .values(call_id=session.id))
    if getattr(claimed, "rowcount", 0) != 1:
        await session.end(EndReason.ERROR)
        raise StreamRejected(f"inbound call {start.call_sid} already has a stream")
    return phone


async def start_stream(app: web.Application, ws: web.WebSocketResponse, start: Start,
                       transport: asyncio.BaseTransport | None) -> PhoneStream:
    """Assemble the call; `transport` is the socket under `ws` (the request's): the sender
    writes agent audio straight to it, and sees how much is still unsent there."""
    if not isinstance(transport, asyncio.WriteTransport) or transport.is_closing():
        raise TransportClosed("twilio stream: the socket is gone")
    fmt = start.media_format
    if fmt.encoding != "audio/x-mulaw" or fmt.sample_rate != MULAW_RATE or fmt.channels != 1:
        raise StreamRejected(f"unsupported media format {fmt}")
    phone = await _session_for(app, start)
    phone.stream_sid = start.stream_sid
    session = phone.session
    settings = app[SETTINGS]
    playout = Playout(MULAW_RATE, app[CLOCK])
    tts = EspeakTTS()
    # The phone's CallHooks: the engine's tools transfer by redirecting the call over REST.
    hooks = PhoneCallHooks(phone.call_sid, app.get(CALL_CONTROL), app[DB], playout,
                           department_numbers=dict(settings.twilio_department_numbers), tts=tts)
    engine = make_engine(app[ENGINES], audio_format="pcmu", hooks=hooks)
    session.engine_name = engine.name
    source = MulawSource(engine.input_rate)
    stream = PhoneStream(app, ws, phone, start.stream_sid, playout, source, hooks, tts,
                         transport=transport)
    session.add_closer("twilio socket", lambda: _close_socket(ws))

    async def close_source() -> None:
        source.close()

    session.add_closer("mulaw source", close_source)
    bridge = CallBridge(session.id, source, playout, engine, emit=session.on_engine_output,
                        caller=session.caller, turn_detector=await new_turn_detector(settings),
                        recorder=open_recorder(settings, session),
                        echo_canceller=new_echo_canceller(settings, Transport.TWILIO,
                                                          engine.input_rate))
    session.bridge = bridge
    session.playout = playout
    session.mark_connected()
    session.own_task(bridge.run(), "bridge")
    sender = app[PHONE_SENDER]

    async def stop_sending() -> None:
        sender.remove(stream)

    session.add_closer("twilio sender", stop_sending)
    sender.add(stream)
    log.info("call %s: Twilio stream %s started", session.id, start.stream_sid)
    return stream


async def _close_socket(ws: web.WebSocketResponse) -> None:
    if not ws.closed:
        await ws.close(code=StreamClose.ENDED, message=b"call ended")
