"""What staff say while they hold a call, written into the call's transcript.

Staff audio goes through its own turn detector; each finished turn is recognized by the app's
recognizer workers and added to the session as a `staff` turn, like the agent's and the guest's.
"""

from __future__ import annotations

import itertools
import logging
import time

from media.engine import Role, TranscriptTurn
from media.events import SpeechEnded
from media.frames import AudioFrame
from media.speech.stt import to_16k
from media.turns import TurnDetector
from server.engines.resources import Recognizers
from server.voice.session import VoiceSession

log = logging.getLogger(__name__)
_ids = itertools.count(1)


class StaffTranscriber:
    def __init__(self, session: VoiceSession, stt: Recognizers, detector: TurnDetector) -> None:
        self.session = session
        self.stt = stt
        self.detector = detector
        self.turns = 0

    def feed(self, frame: AudioFrame) -> None:
        for event in self.detector.process(frame):
            if isinstance(event, SpeechEnded):
                self.session.own_task(self._transcribe(event), "staff-stt")

    async def _transcribe(self, turn: SpeechEnded) -> None:
        ended = time.time()
        sid = f"staff-{self.session.id}-{next(_ids)}"
        try:
            await self.stt.begin(sid)
            await self.stt.feed(sid, to_16k(turn.audio, turn.sample_rate))
            transcript = await self.stt.finish(sid)
        except Exception:
            log.exception("call %s: staff speech recognition failed", self.session.id)
            return
        if not transcript.text:
            return
        self.turns += 1
        started = ended - turn.duration_ms / 1000
        self.session.on_engine_output(TranscriptTurn(
            role=Role.STAFF, text=transcript.text, started_at=started, ended_at=time.time(),
            stt_ms=round(1000 * (time.time() - ended), 1)))
