"""Voice-to-voice bench: spoken turns through the real pipeline at real-time pace (bridge, VAD,
recognizer workers, dialogue, hotel tools, TTS, a clock-paced playout), N calls at once.

Prints p50/p95 of end of guest speech → first agent audio frame (from the engine's turn-end
decision, and from the true end of the audio, which adds the VAD's hangover), recognizer ms,
text → first audio ms, barge-in stop ms, and which N keeps p95 under the target.
Run as `python -m bench.voice_to_voice [--calls 1 2 4 8] [--turns 4]`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from media.engine import EngineIO
from media.events import PlayoutCleared, PlayoutStarted
from server.db.database import Database
from server.db.migrate import upgrade
from server.dialogue import DialogueManager
from server.engines.resources import Recognizers
from server.tools import ToolContext
from tests.server.conftest import _seed, sqlite_url
from tests.spoken_call import SpokenCall, speech

QUESTIONS = (
    "what time is breakfast",
    "is there parking at the hotel",
    "can i bring my dog",
    "what is the wifi password",
    "what time is check out",
    "do you have a pool",
)
BARGE_IN = "sorry one more question"
TARGET_P95_MS = 450.0


@dataclass
class Numbers:
    v2v_engine: list[float] = field(default_factory=list)  # turn-end decision → first audio
    v2v_audio: list[float] = field(default_factory=list)  # last speech sample → first audio
    stt: list[float] = field(default_factory=list)
    first_audio: list[float] = field(default_factory=list)
    # guest speech onset → playout cleared; includes the VAD's minimum speech duration
    barge_onset: list[float] = field(default_factory=list)
    failures: int = 0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def one_call(index: int, db: Database, stt: Recognizers, turns: int,
                   numbers: Numbers) -> None:
    ctx = ToolContext(db=db, call_id=f"bench-{index}", caller=None,
                      voice_notes_dir=Path(tempfile.gettempdir()))

    def dialogue(_io: EngineIO) -> DialogueManager:
        return DialogueManager(ctx)

    async with SpokenCall(stt, dialogue, pace=1.0, realtime_playout=True,
                          call_id=f"bench-{index}", vad="silero") as call:
        for t in range(turns):
            question = QUESTIONS[(index + t) % len(QUESTIONS)]
            try:
                reply = await call.say(question, within=60.0)
            except AssertionError:
                numbers.failures += 1
                continue
            if reply is None:
                break
            if reply.voice_to_voice_ms is not None:
                numbers.v2v_engine.append(reply.voice_to_voice_ms)
            if reply.stt_ms is not None:
                numbers.stt.append(reply.stt_ms)
            if reply.first_audio_ms is not None:
                numbers.first_audio.append(reply.first_audio_ms)
            ended = call.source.speech_ended_at
            first = call.first_audio_after(ended) if ended else None
            if ended and first:
                numbers.v2v_audio.append(1000 * (first - ended))
        # Barge-in: ask something with a long answer, cut in once the agent is speaking.
        call.source.say(speech(
            "tell me about the rooms"))
        started = time.time()
        while time.time() - started < 20 and not any(  # noqa: ASYNC110 - polling a log
                isinstance(e, PlayoutStarted) and t > started for t, e in call.log.events):
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)
        onset = time.time()
        call.source.say(speech(BARGE_IN))
        while time.time() - onset < 5:
            cleared = [t for t, e in call.log.events
                       if isinstance(e, PlayoutCleared) and t >= onset]
            if cleared:
                numbers.barge_onset.append(1000 * (cleared[0] - onset))
                break
            await asyncio.sleep(0.01)


async def run(calls: list[int], turns: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="v2v-"))
    url = sqlite_url(tmp / "bench.db")
    await asyncio.to_thread(upgrade, url)
    await _seed(url)
    db = Database(url)
    stt = Recognizers(2)
    await stt.warm()
    print(f"{'calls':>5} {'v2v p50':>8} {'v2v p95':>8} {'(audio end) p50/p95':>20} "
          f"{'stt p50':>8} {'text->audio p50':>15} {'barge-in p50/p95':>17} "
          f"{'fail':>4}")
    try:
        for n in calls:
            numbers = Numbers()
            await asyncio.gather(*(one_call(i, db, stt, turns, numbers) for i in range(n)))
            ok = pct(numbers.v2v_engine, 0.95) <= TARGET_P95_MS
            v2v = numbers.v2v_engine
            print(f"{n:>5} {pct(v2v, .5):>8.0f} {pct(v2v, .95):>8.0f} "
                  f"{pct(numbers.v2v_audio, .5):>10.0f} / {pct(numbers.v2v_audio, .95):<7.0f} "
                  f"{pct(numbers.stt, .5):>8.0f} {pct(numbers.first_audio, .5):>15.0f} "
                  f"{pct(numbers.barge_onset, .5):>8.0f} / {pct(numbers.barge_onset, .95):<6.0f} "
                  f"{numbers.failures:>4}  {'p95 under target' if ok else 'p95 OVER target'}",
                  flush=True)
            if numbers.v2v_engine:
                print(f"      turns measured: {len(numbers.v2v_engine)}, "
                      f"mean {statistics.mean(numbers.v2v_engine):.0f} ms")
    finally:
        await stt.close()
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--turns", type=int, default=4)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run([max(1, min(c, 50)) for c in args.calls], max(1, min(args.turns, 20))))
