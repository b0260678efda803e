"""Semantic endpointing through the real bridge, detector, recognizer and dialogue: an answer to
the question just asked (or a whole question about a hotel fact) ends the guest's turn at a 200 ms
pause, another request at 400 ms, and anything else waits for the VAD's 600 ms hangover."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from media.engine import EngineIO
from media.events import SpeechEnded, SpeechPaused
from server.db.database import Database
from server.dialogue import DialogueManager
from server.engines.resources import Recognizers
from server.tools import ToolContext
from tests.server.conftest import NOW, Clock, sqlite_url
from tests.server.dialogue_fixtures import FakeOutbound
from tests.spoken_call import SpokenCall, speech_said_fresh

pytestmark = pytest.mark.asyncio(loop_scope="module")

LINES = ("i'd like to book a family room for two nights", "next friday",
         "what time is breakfast", "hmm")


async def test_an_answer_ends_the_turn_at_a_pause(template_db: Path, tmp_path: Path,
                                                  recognizers: Recognizers) -> None:
    path = tmp_path / "endpointing.db"
    shutil.copyfile(template_db, path)
    db = Database(sqlite_url(path))
    try:
        ctx = ToolContext(db=db, call_id="call-endpoint", caller=None, clock=Clock(NOW),
                          outbound=FakeOutbound(), voice_notes_dir=tmp_path / "notes")
        manager = DialogueManager(ctx)

        def factory(_io: EngineIO) -> DialogueManager:
            return manager

        # The guest waits for each endpointing verdict (`settle`), so where a turn ends does not
        # depend on how fast the recognizer answered on a loaded machine; and its lines are the
        # same audio on every run.
        said = speech_said_fresh([(line, "en-us", 165) for line in LINES])
        async with SpokenCall(recognizers, factory, pace=1.0, call_id="endpoint", said=said,
                              settle=True) as call:
            await call.say(LINES[0])
            assert manager.conversation.expecting == "check_in"
            assert call.bridge.turns_ended_early == 1, call.log.timeline()
            assert _last_pause_ms(call) == 400  # a request: not at 200 ms
            await call.say(LINES[1])
            assert call.bridge.turns_ended_early == 2, call.log.timeline()
            assert _last_pause_ms(call) == 200  # the answer to the question just asked
            heard = call.log.guest_turns()[-1].text
            assert "friday" in heard, heard
            await call.say(LINES[2])  # a whole question: 200 ms
            assert call.bridge.turns_ended_early == 3, call.log.timeline()
            assert _last_pause_ms(call) == 200
            await call.say(LINES[3])  # fits nothing: the hangover ends it
            ended = [e for _, e in call.log.events if isinstance(e, SpeechEnded)]
            assert len(ended) == 4 and call.bridge.turns_ended_early == 3, call.log.timeline()
    finally:
        await db.dispose()


def _last_pause_ms(call: SpokenCall) -> int:
    """How long the guest had paused when their last turn ended."""
    events = [e for _, e in call.log.events if isinstance(e, SpeechPaused | SpeechEnded)]
    assert isinstance(events[-1], SpeechEnded) and isinstance(events[-2], SpeechPaused)
    return events[-2].silent_ms
