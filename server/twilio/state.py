"""The app's live phone calls (call SID ⇄ session) and the Twilio pieces kept on the app."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from server.twilio.rest import CallControl
from server.twilio.sender import PhoneSender
from server.voice.session import VoiceSession


@dataclass
class PhoneCall:
    """A session that is a Twilio call. `stream_sid` is set once its media stream starts."""

    session: VoiceSession
    call_sid: str
    direction: str = "inbound"
    to_number: str | None = None
    stream_sid: str | None = None


@dataclass
class PhoneCalls:
    by_session: dict[str, PhoneCall] = field(default_factory=dict)

    def add(self, call: PhoneCall) -> None:
        self.by_session[call.session.id] = call

    def remove(self, session_id: str) -> None:
        self.by_session.pop(session_id, None)

    def track(self, call: PhoneCall) -> None:
        """Add `call`, and drop it again when its session closes."""
        self.add(call)

        async def forget() -> None:
            self.remove(call.session.id)

        call.session.add_closer("phone call", forget)

    def get(self, session_id: str) -> PhoneCall | None:
        return self.by_session.get(session_id)

    def by_call_sid(self, call_sid: str) -> PhoneCall | None:
        return next((c for c in self.by_session.values() if c.call_sid == call_sid), None)


@dataclass
class StreamStats:
    """Outbound pacing, for the bench: how late each audio frame went out (bounded)."""

    max_samples: int = 200_000
    lateness_ms: list[float] = field(default_factory=list)
    lateness_at: list[float] = field(default_factory=list)  # clock time of each sample (s)
    frames_sent: int = 0
    marks_sent: int = 0
    clears_sent: int = 0
    bad_messages: int = 0

    def add_lateness(self, ms: float, at: float = 0.0) -> None:
        self.frames_sent += 1
        if len(self.lateness_ms) < self.max_samples:
            self.lateness_ms.append(ms)
            self.lateness_at.append(at)


PHONE_CALLS = web.AppKey("twilio_phone_calls", PhoneCalls)
STREAM_STATS = web.AppKey("twilio_stream_stats", StreamStats)
CALL_CONTROL = web.AppKey("twilio_call_control", CallControl)
PHONE_SENDER = web.AppKey("twilio_phone_sender", PhoneSender)
