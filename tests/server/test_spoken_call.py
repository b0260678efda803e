"""The spoken-call harness behaves like a caller on a line: the scripted guest answers a human
gap after the agent's last word (in the guest's stream time, so load cannot shrink it), and
the stand-in transport keeps pulling silence once the agent stops, so the bridge's echo
reference is silence then, as with a real transport (issue #6)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pytest

from media.echo_cancel import CancelledEcho
from media.engine import EngineIO
from media.frames import PCM16, AudioFrame
from media.speech.stt import Band, Partial, Transcript
from media.transports.bytes import MulawSource
from media.vad.detector import level_dbfs
from server.engines.offline import Reply
from server.engines.resources import Recognizers
from tests.spoken_call import FRAME, RATE, RESPONSE_GAP_S, SpokenCall

PACE = 8.0
AGENT_AUDIBLE_DBFS = -60.0  # the echo gate's "agent silent" level (VadConfig.agent_silent_dbfs)
GUEST_SPEECH_DBFS = -45.0  # well over the harness's -70 dBFS room noise


class FakeRecognizers(Recognizers):
    """Hears "yes" in every turn, without worker processes."""

    def __init__(self) -> None:
        super().__init__(workers=1)
        self.bands: list[Band] = []  # the band of each turn begun

    async def begin(self, session_id: str, context: str | None = None,
                    band: Band = Band.WIDE, codes: Sequence[str] = ()) -> None:
        self.bands.append(band)

    async def feed(self, session_id: str, pcm16_16k: PCM16, wait: bool = True
                   ) -> Partial | None:
        return None

    async def partial(self, session_id: str) -> Partial:
        return Partial("", 0.0)

    async def finish(self, session_id: str) -> Transcript:
        return Transcript("yes", 0.9, (), 500.0, 1.0, 1.0)

    async def cancel(self, session_id: str) -> None:
        return None

    async def close(self) -> None:
        return None


@dataclass
class ScriptedDialogue:
    """Asks a yes/no question, then thanks the guest."""

    answered: list[str] = field(default_factory=list)

    async def greeting(self) -> Reply:
        return Reply("Your table is booked for eight. Shall I send a text?")

    async def handle(self, text: str, *, confidence: float = 1.0) -> Reply:
        self.answered.append(text)
        return Reply("Done.")

    async def on_silence(self, seconds: float) -> Reply | None:
        return None

    def on_interrupted(self, spoken_text: str) -> None:
        return None


@dataclass
class SeenFrame:
    at: float  # guest stream time
    guest_db: float
    agent_db: float


def _tap(call: SpokenCall) -> list[SeenFrame]:
    """Record what the bridge handed the turn detector, frame by frame."""
    seen: list[SeenFrame] = []
    detector = call.bridge.turn_detector
    assert detector is not None
    process = detector.process

    def recording(frame: AudioFrame, agent_frame: AudioFrame | None = None,
                  cancelled: CancelledEcho | None = None) -> list[object]:
        agent_db = level_dbfs(agent_frame.samples) if agent_frame is not None else -120.0
        seen.append(SeenFrame(frame.timestamp, level_dbfs(frame.samples), agent_db))
        return process(frame, agent_frame, cancelled)  # type: ignore[return-value]

    detector.process = recording  # type: ignore[method-assign,assignment]
    return seen


@pytest.mark.parametrize("playout_pace", [PACE, 4 * PACE])
async def test_the_guest_answers_a_gap_after_the_agents_last_word(playout_pace: float) -> None:
    dialogue = ScriptedDialogue()

    def factory(_io: EngineIO) -> ScriptedDialogue:
        return dialogue

    async with SpokenCall(FakeRecognizers(), factory, pace=PACE, playout_pace=playout_pace,
                          call_id="gap") as call:
        seen = _tap(call)
        reply = await call.say("yes")
    assert reply is not None and reply.text == "Done."
    assert dialogue.answered == ["yes"]
    onset = next(f for f in seen if f.guest_db > GUEST_SPEECH_DBFS)
    agent = [f for f in seen if f.at < onset.at and f.agent_db > AGENT_AUDIBLE_DBFS]
    last_agent = agent[-1].at if agent else seen[0].at
    gap = onset.at - (last_agent + FRAME / RATE)
    # The answer comes a caller's gap after the agent's last audible frame (less a frame or
    # two the bridge may read before the harness sees the reply end): not under the echo
    # gate's hold of the agent's voice.
    assert gap >= RESPONSE_GAP_S - 0.05, (gap, [(f.at, f.guest_db, f.agent_db) for f in seen
                                                if onset.at - 0.5 < f.at <= onset.at])


async def test_the_transport_pulls_silence_once_the_agent_stops() -> None:
    """A real transport sends a frame every 20 ms, so after the agent's last word the echo
    reference is silence; the stand-in must not leave the last frame of speech in view."""
    dialogue = ScriptedDialogue()

    def factory(_io: EngineIO) -> ScriptedDialogue:
        return dialogue

    async with SpokenCall(FakeRecognizers(), factory, pace=PACE, playout_pace=4 * PACE,
                          call_id="stale") as call:
        # Exactly one wake-up's batch of loud frames, so the utterance ends on a batch's last
        # pull: the frame left in view is speech unless the transport goes on pulling.
        batch = max(1, int(call.playout_pace / 4))
        tone = (8000 * np.sin(np.arange(batch * FRAME) * 0.2)).astype(np.int16)
        call.playout.enqueue(tone, RATE, utterance_id="tone", last=True)
        await call._wait(lambda: not call.playout.is_playing, 10.0)
        frames = call.playout.frames_sent
        await call._wait(lambda: call.playout.frames_sent > frames + 2, 10.0)
        last = call.playout.last_frame
        assert last is not None and level_dbfs(last.samples) <= AGENT_AUDIBLE_DBFS


@pytest.mark.parametrize(("line_rate", "band"), [(8000, Band.PHONE), (48000, Band.WIDE)])
async def test_a_phone_lines_turns_go_to_the_phone_recognizer(line_rate: int, band: Band) -> None:
    """The bridge tells the engine what its source's line carries, and the engine begins each
    turn on the recognizer for that band (a Twilio call's `MulawSource` is an 8 kHz line)."""
    dialogue = ScriptedDialogue()
    stt = FakeRecognizers()

    def factory(_io: EngineIO) -> ScriptedDialogue:
        return dialogue

    async with SpokenCall(stt, factory, pace=PACE, call_id="band", line_rate=line_rate) as call:
        await call.say("yes")
    assert dialogue.answered == ["yes"]
    assert stt.bands == [band]
    assert MulawSource.line_rate == 8000
