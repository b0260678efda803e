"""What staff do to a live call: announce (the agent speaks their sentence), end it, take over
(their microphone replaces the agent) and hand back.

Take-over pauses the engine (`bridge.engine_paused`), clears the agent's playout and feeds the
staff peer's audio into the call's playout; hand back clears that audio and resumes the engine.
Each change is written into the transcript as a system turn and pushed to the board.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

from media.engine import Role, ToolCall, TranscriptTurn
from media.speech.tts import EspeakTTS
from server.console.accounts import Staff
from server.console.board import LiveBoard
from server.console.staff_peer import StaffPeer
from server.hotel.hold_music import HoldMusic
from server.voice.session import CallState, EndReason, VoiceSession

log = logging.getLogger(__name__)

MAX_ANNOUNCEMENT_CHARS = 500


class ControlError(Exception):
    """The action cannot be done on this call now (message is safe to show staff)."""


def _system_turn(session: VoiceSession, text: str) -> None:
    now = time.time()
    session.on_engine_output(TranscriptTurn(role=Role.SYSTEM, text=text, started_at=now,
                                            ended_at=now))


class CallControl:
    def __init__(self, board: LiveBoard, tts: EspeakTTS | None = None) -> None:
        self.board = board
        self.tts = tts or EspeakTTS()
        self.holders: dict[str, StaffPeer] = {}  # call id → the peer that took it over
        self.hold_tasks: dict[str, asyncio.Task[None]] = {}

    def live(self, call_id: str) -> VoiceSession:
        session = self.board.sessions.get(call_id)
        if session is None or session.state is CallState.ENDED:
            raise ControlError("that call is not live")
        return session

    async def announce(self, session: VoiceSession, text: str, by: str) -> None:
        """The agent's voice speaks `text` into the call (after anything already queued)."""
        text = " ".join(text.split())
        if not text or len(text) > MAX_ANNOUNCEMENT_CHARS:
            raise ControlError(f"an announcement is 1 to {MAX_ANNOUNCEMENT_CHARS} characters")
        playout = session.playout
        if playout is None:
            raise ControlError("the call has no audio yet")
        started = time.time()
        parts = [p async for p in self.tts.stream(text)]
        if session.state is CallState.ENDED:
            raise ControlError("the call ended")
        utterance_id = f"announce-{uuid.uuid4().hex[:8]}"
        for i, (pcm, rate) in enumerate(parts):
            playout.enqueue(pcm, rate, utterance_id=utterance_id, last=i == len(parts) - 1)
        session.on_engine_output(TranscriptTurn(
            role=Role.AGENT, text=text, started_at=started, ended_at=time.time(),
            tool_calls=(ToolCall("announce_to_session", {"text": text, "by": by}, ok=True),)))

    async def end(self, session: VoiceSession) -> None:
        await session.end(EndReason.STAFF_ENDED)

    # -- take-over ---------------------------------------------------------------------------
    def take_over(self, session: VoiceSession, peer: StaffPeer, staff: Staff) -> None:
        bridge, playout = session.bridge, session.playout
        if bridge is None or playout is None:
            raise ControlError("the call has no audio yet")
        holder = self.holders.get(session.id)
        if holder is not None and holder is not peer:
            raise ControlError(f"{holder.staff_name} has already taken this call")
        self.stop_hold_music(session.id)
        bridge.engine_paused = True
        bridge.interrupt()  # clears the agent's playout and tells the engine what was heard
        peer.feed_to = playout
        self.holders[session.id] = peer
        extra = self.board.extra(session.id)
        extra.taken_over_by = staff.name
        extra.department = None
        _system_turn(session, f"{staff.name} took over the call")
        self.board.changed(session.id)

    def hand_back(self, session: VoiceSession, peer: StaffPeer) -> None:
        if self.holders.get(session.id) is not peer:
            raise ControlError("you have not taken this call over")
        self.release(peer)

    def release(self, peer: StaffPeer) -> None:
        """Give the call back to the agent if `peer` holds it (hand back, or the peer closed)."""
        session = peer.session
        if self.holders.get(session.id) is not peer:
            return
        del self.holders[session.id]
        peer.feed_to = None
        if session.state is CallState.ENDED:
            return
        if session.playout is not None:
            session.playout.clear()
        if session.bridge is not None:
            session.bridge.engine_paused = False
        self.board.extra(session.id).taken_over_by = None
        _system_turn(session, f"{peer.staff_name} handed the call back to the agent")
        self.board.changed(session.id)

    # -- hold music (transfers) ---------------------------------------------------------------
    def start_hold_music(self, session: VoiceSession, music: HoldMusic) -> None:
        """Loop hold music into the call until staff take it over or the call ends."""
        self.stop_hold_music(session.id)
        task = session.own_task(self._hold_loop(session, music), "hold-music")
        self.hold_tasks[session.id] = task

    def stop_hold_music(self, call_id: str) -> None:
        task = self.hold_tasks.pop(call_id, None)
        if task is not None:
            task.cancel()

    async def _hold_loop(self, session: VoiceSession, music: HoldMusic) -> None:
        playout = session.playout
        if playout is None:
            return
        utterance_id = f"hold-{uuid.uuid4().hex[:8]}"
        try:
            while True:
                if playout.queued_ms < 2000:
                    playout.enqueue(music.pcm, music.sample_rate, utterance_id=utterance_id)
                await asyncio.sleep(0.5)
        finally:
            if session.state is not CallState.ENDED and self.holders.get(session.id) is None:
                playout.clear()
