"""Voice-to-voice bench: spoken turns through the real pipeline at real-time pace (bridge, VAD,
recognizer workers, dialogue, hotel tools, TTS, a clock-paced playout), N calls at once.

Prints p50/p95 of end of guest speech → first agent audio frame (from the engine's turn-end
decision, and from the true end of the audio, which adds the VAD's hangover), recognizer ms,
text → first audio ms, barge-in stop ms, and which N keeps p95 under the target.

Barge-in, per call, while the agent reads a long answer: first a few seconds of non-words
(coughs, clicks, "mm"s from tests/media/corpus.py) — "false pauses" counts the pauses they cause
out of the sounds played, "non-word clears" the interruptions (must be 0) — then real speech
("cleared": cut-ins that went on to clear the agent, out of those made; "clear p50": onset →
the first frame after the clear, i.e. what barge-in gave before the pause stage). "stop ms" is
the onset of that speech (its first 20 ms frame within 40 dB of its loudest, timed from when
the bridge received the frame, less the part of the frame before the onset) → the first agent
frame the playout hands the transport with no agent audio in it (paused or cleared).
`--script questions` (the default) asks hotel questions: open requests, whose turn ends after
the VAD hangover. `--script booking` books a room: after the first request every turn answers
the agent's question, so semantic endpointing may end it at a 200 ms pause ("early" counts those).
Run as `python -m bench.voice_to_voice [--calls 1 2 4 8] [--turns 4] [--barge-ins 1]
[--script questions|booking]`.
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

import numpy as np

from bench.barge_in import count_sounds
from media.engine import EngineIO
from media.events import PlayoutCleared, PlayoutPaused, PlayoutStarted
from media.frames import PCM16, AudioFrame
from server.db.database import Database
from server.db.migrate import upgrade
from server.dialogue import DialogueManager
from server.engines.resources import Recognizers
from server.tools import ToolContext
from tests.media.corpus import VOICES, non_words_corpus
from tests.server.conftest import _seed, sqlite_url
from tests.spoken_call import FRAME, RATE, SpokenCall, speech

QUESTIONS = (
    "what time is breakfast",
    "is there parking at the hotel",
    "can i bring my dog",
    "what is the wifi password",
    "what time is check out",
    "do you have a pool",
)
BOOKING = (  # one booking, the agent asking for each detail (--script booking)
    "i'd like to book a family room for two nights",
    "next friday",
    "two people",
    "room only",
    "james wilson",
    "oh seven seven oh oh nine oh oh five five five",
    "yes please",
)
BARGE_INS = (  # cut-ins, each spoken in the next voice of VOICES
    "sorry one more question",
    "wait what about parking",
    "hang on a second",
    "no I meant tomorrow",
    "actually can I ask something else",
    "excuse me",
    "okay but is the pool open",
)
LONG_ANSWER = "what time is breakfast"  # the longest answer the demo hotel gives (~10 s)
TARGET_P95_MS = 450.0
log = logging.getLogger("bench.voice_to_voice")


@dataclass
class Numbers:
    v2v_engine: list[float] = field(default_factory=list)  # turn-end decision → first audio
    v2v_audio: list[float] = field(default_factory=list)  # last speech sample → first audio
    stt: list[float] = field(default_factory=list)
    first_audio: list[float] = field(default_factory=list)
    # guest speech onset → first agent frame without agent audio (paused or cleared)
    barge_stop: list[float] = field(default_factory=list)
    barge_clear: list[float] = field(default_factory=list)  # onset → first frame after the clear
    barge_cut: int = 0  # barge-ins that went on to clear the playout (Interrupted)
    non_word_sounds: int = 0
    false_pauses: int = 0  # pauses caused by non-words
    non_word_cuts: int = 0  # clears caused by non-words: must stay 0
    barge_skipped: int = 0  # the agent's answer ended before the cut-in: nothing to stop
    failures: int = 0
    early: int = 0  # turns ended at a pause because they answered the question


def onset_sample(pcm: PCM16) -> int:
    """First sample of the first 10 ms block within 40 dB of the loudest (as the VAD corpus
    labels speech)."""
    block = RATE // 100
    n = pcm.size // block
    energy = np.sqrt(np.mean(pcm[: n * block].astype(np.float64).reshape(n, block) ** 2, axis=1))
    return int(np.flatnonzero(energy > energy.max() * 10 ** (-40 / 20))[0]) * block


def non_words(index: int, seconds: float = 3.5) -> tuple[PCM16, int]:
    """A few seconds of coughs, clicks and "mm"s, and how many sounds they hold."""
    pcm = non_words_corpus(seed=100 + index, seconds=seconds).samples
    return pcm, count_sounds(pcm)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def one_call(index: int, db: Database, stt: Recognizers, turns: int,
                   numbers: Numbers, barge_ins: int, script: str) -> None:
    ctx = ToolContext(db=db, call_id=f"bench-{index}", caller=None,
                      voice_notes_dir=Path(tempfile.gettempdir()))

    def dialogue(_io: EngineIO) -> DialogueManager:
        return DialogueManager(ctx)

    async with SpokenCall(stt, dialogue, pace=1.0, realtime_playout=True,
                          call_id=f"bench-{index}", vad="silero") as call:
        lines = BOOKING if script == "booking" else \
            [QUESTIONS[(index + t) % len(QUESTIONS)] for t in range(turns)]
        for question in lines:
            try:
                reply = await call.say(question, within=60.0)
            except AssertionError:
                numbers.failures += 1
                continue
            if reply is None:
                break
            log.debug("call %d: %r -> %r, %s ms", index, question, reply.text[:40],
                     reply.voice_to_voice_ms)
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
        numbers.early += call.bridge.turns_ended_early
        agent_frames: list[tuple[float, bool]] = []  # wall time pulled, carried agent audio
        arrivals: list[tuple[float, int]] = []  # wall time the bridge got a frame, speech left

        def on_agent_frame(_frame: AudioFrame) -> None:
            agent_frames.append((time.time(), call.playout.last_frame_had_audio))

        def on_guest_frame(_frame: AudioFrame) -> None:
            arrivals.append((time.time(), call.source.speech_frames_left))

        call.playout.tap = on_agent_frame
        call.bridge.inbound_taps.append(on_guest_frame)
        for b in range(barge_ins):
            await barge_in(call, index * barge_ins + b, numbers, agent_frames, arrivals)
            try:
                await call.wait_idle(within=30.0)  # the agent answers the cut-in
            except AssertionError:
                numbers.failures += 1
            agent_frames.clear()
            arrivals.clear()


async def barge_in(call: SpokenCall, index: int, numbers: Numbers,
                   agent_frames: list[tuple[float, bool]], arrivals: list[tuple[float, int]]
                   ) -> None:
    """Ask something with a long answer; over it, non-words, then a real cut-in."""
    call.source.say(speech(LONG_ANSWER))
    started = time.time()
    while time.time() - started < 20 and not any(  # noqa: ASYNC110 - polling a log
            isinstance(e, PlayoutStarted) and t > started for t, e in call.log.events):
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)

    def since(kind: type, t0: float, t1: float = float("inf")) -> list[float]:
        return [t for t, e in call.log.events if isinstance(e, kind) and t0 <= t < t1]

    sounds_pcm, sounds = non_words(index)
    nw_start = time.time()
    call.source.say(sounds_pcm)
    await asyncio.sleep(sounds_pcm.size / RATE + 0.5)  # its last hold settles within 0.3 s
    nw_end = time.time()
    numbers.non_word_sounds += sounds
    numbers.false_pauses += len(since(PlayoutPaused, nw_start, nw_end))
    numbers.non_word_cuts += len(since(PlayoutCleared, nw_start, nw_end))
    if not call.playout.is_playing:
        numbers.barge_skipped += 1
        return

    clip = speech(BARGE_INS[index % len(BARGE_INS)], voice=VOICES[index % len(VOICES)])
    onset = onset_sample(clip)
    said = time.time()
    call.source.say(clip)
    total = call.source.speech_frames_left
    while time.time() - said < 5 and not since(PlayoutCleared, said):  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    numbers.barge_cut += bool(since(PlayoutCleared, said))
    onset_left = total - onset // FRAME - 1  # speech frames left once the onset frame is in
    got = [t for t, left in arrivals if t >= said and left == onset_left]
    held = sorted(since(PlayoutPaused, said) + since(PlayoutCleared, said))
    if not got or not held:
        numbers.failures += 1  # the cut-in did not even pause the agent
        log.warning("call %d: barge-in not detected (onset frame seen: %s)", index, bool(got))
        return
    onset_wall = got[0] - (FRAME - onset % FRAME) / RATE
    silent = [t for t, had_audio in agent_frames if t >= held[0] and not had_audio]
    if silent:
        numbers.barge_stop.append(1000 * (silent[0] - onset_wall))
    cleared = since(PlayoutCleared, said)
    after = [t for t, _ in agent_frames if cleared and t >= cleared[0]]
    if after:  # what the hard barge-in alone (the turn's SpeechStarted) would have given
        numbers.barge_clear.append(1000 * (after[0] - onset_wall))


async def run(calls: list[int], turns: int, barge_ins: int = 1,
              script: str = "questions") -> None:
    tmp = Path(tempfile.mkdtemp(prefix="v2v-"))
    url = sqlite_url(tmp / "bench.db")
    await asyncio.to_thread(upgrade, url)
    await _seed(url)
    db = Database(url)
    stt = Recognizers(2)
    await stt.warm()
    print(f"{'calls':>5} {'v2v p50':>8} {'v2v p95':>8} {'(audio end) p50/p95':>20} "
          f"{'stt p50':>8} {'text->audio p50':>15} {'barge stop p50/p95':>19} "
          f"{'clear p50':>9} {'cleared':>7} {'false pauses':>12} {'non-word clears':>15} "
          f"{'fail':>4}")
    try:
        for n in calls:
            numbers = Numbers()
            await asyncio.gather(*(one_call(i, db, stt, turns, numbers, barge_ins, script)
                                   for i in range(n)))
            ok = pct(numbers.v2v_engine, 0.95) <= TARGET_P95_MS
            v2v = numbers.v2v_engine
            print(f"{n:>5} {pct(v2v, .5):>8.0f} {pct(v2v, .95):>8.0f} "
                  f"{pct(numbers.v2v_audio, .5):>10.0f} / {pct(numbers.v2v_audio, .95):<7.0f} "
                  f"{pct(numbers.stt, .5):>8.0f} {pct(numbers.first_audio, .5):>15.0f} "
                  f"{pct(numbers.barge_stop, .5):>10.0f} / {pct(numbers.barge_stop, .95):<6.0f} "
                  f"{pct(numbers.barge_clear, .5):>9.0f} "
                  f"{numbers.barge_cut:>4}/{n * barge_ins - numbers.barge_skipped:<2} "
                  f"{numbers.false_pauses:>5}/{numbers.non_word_sounds:<6} "
                  f"{numbers.non_word_cuts:>15} "
                  f"{numbers.failures:>4}  {'p95 under target' if ok else 'p95 OVER target'}",
                  flush=True)
            if numbers.v2v_engine:
                print(f"      turns measured: {len(numbers.v2v_engine)}, "
                      f"mean {statistics.mean(numbers.v2v_engine):.0f} ms, "
                      f"ended early at a pause: {numbers.early}")
    finally:
        await stt.close()
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--barge-ins", type=int, default=1, help="cut-ins per call")
    parser.add_argument("--script", choices=("questions", "booking"), default="questions")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every turn")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.verbose:
        log.setLevel(logging.DEBUG)
    asyncio.run(run([max(1, min(c, 50)) for c in args.calls], max(1, min(args.turns, 20)),
                    max(1, min(args.barge_ins, 20)), args.script))
