"""Staff speech during a take-over lands in the call's transcript as `staff` turns."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from media.engine import Role
from media.frames import AudioFrame
from media.resample import StreamResampler
from media.speech.tts import synthesize_blocking
from media.vad import make_turn_detector
from server.console.staff_transcript import StaffTranscriber
from server.db.database import Database
from server.db.migrate import upgrade
from server.engines.resources import Recognizers
from server.voice.session import SessionManager, Transport
from tests.waiting import eventually


async def test_staff_speech_is_transcribed(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'calls.db'}"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    manager = SessionManager(db)
    manager.start()
    stt = Recognizers(workers=1)
    try:
        session = await manager.create(Transport.WEBRTC, None)
        transcriber = StaffTranscriber(session, stt, make_turn_detector())
        pcm, rate = synthesize_blocking("i would like to book a room for two nights", voice="en-us")
        audio = StreamResampler(rate, 48000).process(pcm, last=True)
        audio = np.concatenate([np.zeros(48000 // 2, np.int16), audio,
                                np.zeros(48000, np.int16)])
        step = 960  # 20 ms at 48 kHz, as the staff peer's track source yields
        for i in range(0, audio.size - step + 1, step):
            transcriber.feed(AudioFrame(audio[i:i + step], 48000, i / 48000))
        await eventually(lambda: bool(session.turns), within=60, what="a staff turn")
        turn = session.turns[0]
        assert turn.role is Role.STAFF
        assert "book" in turn.text and "nights" in turn.text, turn.text
        await session.end("staff_ended")
    finally:
        await stt.close()
        await manager.close()
        await db.dispose()
