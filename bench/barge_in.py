"""Soft barge-in on the frame-locked rig (tests/media/barge.py): how soon the agent goes silent
after the guest starts speaking over it, and how often non-words pause it. Stream time, so the
numbers do not depend on the machine's load.

For each `--candidate-ms` (the detector's consecutive speech before it raises a candidate):
  * speech: TTS sentences (5 voices, random rate/pitch, -26..-16 dBFS) start 1.5-2 s into an
    agent answer (-20 dBFS, echoed back 20 dB down, 40 ms late). "stop" is the labelled onset
    of the guest's speech → the first agent frame without agent audio (pause or clear).
    "missed" = no pause and no clear (e.g. the guest quieter than the echo gate allows);
    "cut" = turns confirmed (Interrupted); "heard ok" = Interrupted.played_ms equals the
    position at which the pause stopped the agent; "pause→cut" = how long the hold lasted
    before the turn was confirmed (p95 / max; bridge.HOLD_MAX_MS must stay above it);
    "clear p50" = onset → first frame after the clear (barge-in without the pause stage).
  * non-words: coughs, clicks and "mm" hums (< 200 ms, -30..-18 dBFS) over the agent.
    "false pauses" = pauses / sounds; interruptions must be 0; "held" = how long a false pause
    kept the agent silent (mean / max).
  * echo: the agent's own voice alone, 20 dB down: pauses must be 0.

    .venv/bin/python -m bench.barge_in [--trials 40] [--candidate-ms 20 40 60 80]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import time

import numpy as np

from media.events import PlayoutCleared, PlayoutPaused, PlayoutResumed
from media.vad import VadConfig
from media.vad.detector import level_dbfs
from tests.media.barge import RATE, BargeRun, LockstepBargeIn, at_level, line_noise, place
from tests.media.barge import agent_speech as looped_agent
from tests.media.corpus import SENTENCES, VOICES, non_words_corpus, tts_clip

AGENT_TEXT = (
    "Our rooms are all non smoking, with a king bed or two queens, a desk, free wifi and a "
    "coffee maker. The suites add a sofa bed and a view of the river. Breakfast is served from "
    "seven until ten in the restaurant on the ground floor, and the pool is open until nine."
)


def agent_speech(seconds: float) -> np.ndarray:
    """The agent's answer at -20 dBFS, repeated to `seconds`."""
    return looped_agent(tts_clip(AGENT_TEXT, "en+f3", 165, 50), seconds)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclasses.dataclass
class Row:
    candidate_ms: int
    stops: list[float] = dataclasses.field(default_factory=list)
    missed: int = 0
    cut: int = 0
    heard_ok: int = 0
    decide: list[float] = dataclasses.field(default_factory=list)  # pause → clear
    clears: list[float] = dataclasses.field(default_factory=list)  # onset → first frame after
    trials: int = 0
    sounds: int = 0
    false_pauses: int = 0
    non_word_cuts: int = 0
    false_held: list[float] = dataclasses.field(default_factory=list)
    echo_pauses: int = 0
    cpu_s: float = 0.0


async def speech_trials(row: Row, config: VadConfig, trials: int, kind: str) -> None:
    rng = np.random.default_rng(42)
    for t in range(trials):
        text = SENTENCES[int(rng.integers(len(SENTENCES)))]
        voice = VOICES[t % len(VOICES)]
        clip = tts_clip(text, voice, int(rng.integers(140, 200)), int(rng.integers(35, 70)))
        onset = int(rng.uniform(1.5, 2.0) * RATE)
        n = onset + clip.size + RATE
        guest = place(n, at_level(clip, float(rng.uniform(-26.0, -16.0))), onset) + line_noise(n)
        rig = LockstepBargeIn(guest, agent_speech(n / RATE + 5), kind=kind, config=config)
        run = await rig.play()
        row.trials += 1
        onset_frame = onset // (RATE // 50)
        stop = run.stop_frame(after=onset_frame)
        if stop is None:
            row.missed += 1
        else:
            row.stops.append(stop * 20 - 1000 * onset / RATE)
        if run.interrupted:
            row.cut += 1
            paused = run.events_of(PlayoutPaused)
            cleared = run.events_of(PlayoutCleared)
            pause = paused[-1][1] if paused else None
            if isinstance(pause, PlayoutPaused) and pause.played_ms == run.interrupted[0].played_ms:
                row.heard_ok += 1
            if paused and cleared:
                row.decide.append(20.0 * (cleared[0][0] - paused[-1][0]))
            if cleared:
                row.clears.append((cleared[0][0] + 1) * 20 - 1000 * onset / RATE)


def count_sounds(samples: np.ndarray) -> int:
    """Bursts louder than -45 dBFS, separated by at least 200 ms of quiet."""
    step = RATE // 50
    loud = [level_dbfs(samples[i : i + step]) > -45.0 for i in range(0, samples.size - step, step)]
    sounds, quiet = 0, 10
    for is_loud in loud:
        if is_loud and quiet >= 10:
            sounds += 1
        quiet = 0 if is_loud else quiet + 1
    return sounds


async def non_word_trials(row: Row, config: VadConfig, seconds: float, kind: str) -> None:
    words = non_words_corpus(seed=7, seconds=seconds).samples
    row.sounds = count_sounds(words)
    rig = LockstepBargeIn(words.astype(np.float64), agent_speech(seconds + 10), kind=kind,
                          config=config)
    run: BargeRun = await rig.play()
    row.false_pauses = len(run.events_of(PlayoutPaused))
    row.non_word_cuts = len(run.interrupted)
    row.false_held = [e.held_ms for _, e in run.events_of(PlayoutResumed)
                      if isinstance(e, PlayoutResumed)]
    echo = LockstepBargeIn(line_noise(int(seconds * RATE)), agent_speech(seconds + 10),
                           kind=kind, config=config)
    row.echo_pauses = len((await echo.play()).events_of(PlayoutPaused))


async def main(candidates: list[int], trials: int, seconds: float, kind: str) -> None:
    print(f"VAD {kind}; agent -20 dBFS, echo -20 dB / 40 ms; {trials} barge-ins, "
          f"{seconds:.0f} s of non-words and of echo per row")
    print("| candidate ms | stop p50 | p95 | max | clear p50 | missed | cut | heard ok "
          "| pause→cut p95/max | false pauses | non-word cuts | false hold mean/max ms "
          "| echo pauses | CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for candidate_ms in candidates:
        config = VadConfig(candidate_ms=candidate_ms)
        row = Row(candidate_ms)
        t0 = time.process_time()
        await speech_trials(row, config, trials, kind)
        await non_word_trials(row, config, seconds, kind)
        row.cpu_s = time.process_time() - t0
        held = (f"{statistics.mean(row.false_held):.0f} / {max(row.false_held):.0f}"
                if row.false_held else "-")
        print(f"| {candidate_ms} | {pct(row.stops, .5):.0f} | {pct(row.stops, .95):.0f} "
              f"| {max(row.stops, default=float('nan')):.0f} | {pct(row.clears, .5):.0f} "
              f"| {row.missed}/{row.trials} "
              f"| {row.cut}/{row.trials} | {row.heard_ok}/{row.cut} "
              f"| {pct(row.decide, .95):.0f} / {max(row.decide, default=float('nan')):.0f} "
              f"| {row.false_pauses}/{row.sounds} | {row.non_word_cuts} | {held} "
              f"| {row.echo_pauses} | {row.cpu_s:.1f} |", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidate-ms", type=int, nargs="+",
                        default=[VadConfig().candidate_ms])
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--vad", default="silero", choices=["silero", "webrtc"])
    args = parser.parse_args()
    asyncio.run(main([max(0, min(c, 400)) for c in args.candidate_ms],
                     max(1, min(args.trials, 500)), max(5.0, min(args.seconds, 600.0)),
                     args.vad))
