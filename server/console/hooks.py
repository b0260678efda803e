"""`CallHooks` for live calls (WebRTC today, phone calls through the same bridge): what the voice
tools can ask of the call layer. A transfer puts the call in its department's queue on the
console board with hold music and the engine paused, until a staff member accepts it (take-over).
"""

from __future__ import annotations

from server.console.control import CallControl, ControlError
from server.hotel.hold_music import HoldMusic, hold_music
from server.tools.context import CallHooks, CapturedAudio, TransferTarget
from server.voice.session import VoiceSession


class SessionCallHooks:
    def __init__(self, control: CallControl, session: VoiceSession) -> None:
        self.control = control
        self.session = session

    async def play_hold_music(self, music: HoldMusic) -> bool:
        if self.session.playout is None:
            return False
        self.control.start_hold_music(self.session, music)
        return True

    async def speak_announcement(self, text: str) -> bool:
        try:
            await self.control.announce(self.session, text, by="agent")
        except ControlError:
            return False
        return True

    async def transfer(self, target: TransferTarget) -> bool:
        session = self.session
        if session.bridge is None or session.playout is None:
            return False
        if self.control.holders.get(session.id) is None:
            session.bridge.engine_paused = True
            self.control.start_hold_music(session, hold_music(session.playout.sample_rate))
        self.control.board.extra(session.id).department = target.department
        self.control.board.changed(session.id)
        return True

    async def caller_audio(self, seconds: float) -> CapturedAudio | None:
        return None  # not kept yet


def hooks_for(control: CallControl, session: VoiceSession) -> CallHooks:
    return SessionCallHooks(control, session)
