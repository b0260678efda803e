"""Per-call fan-out of both sides' audio to console listeners, installed once per call.

The guest side comes from `CallBridge.inbound_taps`; the agent side from `Playout.tap`, which the
recorder already uses, so the previous tap is chained, not replaced.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from media.frames import AudioFrame
from server.voice.session import SessionEvent, VoiceSession

log = logging.getLogger(__name__)

FrameSink = Callable[[AudioFrame], None]


class CallTaps:
    def __init__(self, session: VoiceSession) -> None:
        if session.bridge is None or session.playout is None:
            raise ValueError("call has no media yet")
        self.guest: list[FrameSink] = []
        self.agent: list[FrameSink] = []
        self._previous = session.playout.tap
        session.playout.tap = self._on_agent
        session.bridge.inbound_taps.append(self._on_guest)

    def _on_agent(self, frame: AudioFrame) -> None:
        if self._previous is not None:
            self._previous(frame)
        self._fan_out(self.agent, frame)

    def _on_guest(self, frame: AudioFrame) -> None:
        self._fan_out(self.guest, frame)

    @staticmethod
    def _fan_out(sinks: list[FrameSink], frame: AudioFrame) -> None:
        for sink in sinks:
            try:
                sink(frame)
            except Exception:  # a listener's bug must not stop the call's audio
                log.exception("console audio tap failed")


_taps: dict[str, CallTaps] = {}


def taps_for(session: VoiceSession) -> CallTaps:
    """The call's taps, created on first use and forgotten when the call ends."""
    taps = _taps.get(session.id)
    if taps is None:
        taps = _taps[session.id] = CallTaps(session)

        def forget(event: SessionEvent) -> None:
            if event.kind == "state" and event.value == "ended":
                _taps.pop(session.id, None)

        session.add_listener(forget)
    return taps
