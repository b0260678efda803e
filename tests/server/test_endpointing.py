"""Semantic endpointing through the real bridge, detector, recognizer and dialogue: an answer to
the question just asked ends the guest's turn at a short pause; an open request waits for the
full hangover (the guest may be adding details)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from media.engine import EngineIO
from media.events import SpeechEnded
from server.db.database import Database
from server.dialogue import DialogueManager
from server.engines.resources import Recognizers
from server.tools import ToolContext
from tests.server.conftest import NOW, Clock, sqlite_url
from tests.server.dialogue_fixtures import FakeOutbound
from tests.spoken_call import SpokenCall

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def recognizers() -> AsyncIterator[Recognizers]:
    stt = Recognizers(workers=1)
    await stt.warm()
    try:
        yield stt
    finally:
        await stt.close()


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

        async with SpokenCall(recognizers, factory, pace=2.0, call_id="endpoint") as call:
            await call.say("i'd like to book a family room for two nights")
            assert call.bridge.turns_ended_early == 0  # no question asked: hangover
            assert manager.conversation.expecting == "check_in"
            await call.say("next friday")
            ended = [e for _, e in call.log.events if isinstance(e, SpeechEnded)]
            assert len(ended) == 2 and call.bridge.turns_ended_early == 1, call.log.timeline()
            heard = call.log.guest_turns()[-1].text
            assert "friday" in heard, heard
    finally:
        await db.dispose()
