"""Soft barge-in on the frame-locked rig (tests/media/barge.py): how soon the agent goes silent
after the guest starts speaking over it, and how often non-words pause it. Stream time, so the
numbers do not depend on the machine's load.

One row per line (echo level and delay, `--echo-db`, `--echo-delay-ms`, `--no-echo`; the echo's
path, `--echo-path`: a scaled copy, a reverberant room, or the room through a saturating
loudspeaker), call history (`--warm-s`: seconds the agent has already talked, guest silent,
before the answer that is cut into; 0 = the call's first answer, before the per-call echo fit
has evidence), echo fit on/off (`--adaptive`), its band levels on/off (`--bands`), its envelope
model for reverberant lines on/off (`--envelope`), an echo canceller in front as on phone
calls, with the detector's leftover gate (`--cancel`), the guest's side through a phone line
(`--phone`), `--candidate-ms` (consecutive speech before a candidate) and `--level-candidate-db`
(a candidate from level alone that far over the floor and the echo bound, 0 = off;
VadConfig.level_candidate_db):
  * speech: TTS sentences (5 voices, random rate/pitch, -26..-16 dBFS) start 1.5-2 s into an
    agent answer (-20 dBFS, echoed back as the row says). "stop" is the labelled onset
    of the guest's speech → the first agent frame without agent audio (pause or clear).
    "missed" = no pause and no clear (e.g. the guest quieter than the echo gate allows);
    "cut" = turns confirmed (Interrupted); "heard ok" = Interrupted.played_ms equals the
    position at which the pause stopped the agent; "pause→cut" = how long the hold lasted
    before the turn was confirmed (p95 / max; bridge.HOLD_MAX_MS must stay above it);
    "clear p50" = onset → first frame after the clear (barge-in without the pause stage).
  * non-words: coughs, clicks and "mm" hums (< 200 ms, -30..-18 dBFS) over the agent.
    "false pauses" = pauses / sounds; interruptions must be 0; "held" = how long a false pause
    kept the agent silent (mean / max).
  * echo: the agent's own voice alone on the row's line for `--seconds`: pauses must be 0;
    "loss after echo" = the return loss the detector assumes at the end, and the delay (frames)
    its fit found ("fixed" = the assumed 14 dB).

    .venv/bin/python -m bench.barge_in [--trials 80] [--echo-db -20 -12] [--warm-s 0 6]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import functools
import itertools
import statistics
import time

import numpy as np

from media.echo_cancel import EchoCanceller
from media.events import PlayoutCleared, PlayoutPaused, PlayoutResumed
from media.resample import StreamResampler
from media.vad import VadConfig, VadTurnDetector
from media.vad.detector import level_dbfs
from media.vad.echo import EchoConfig
from tests.media.barge import (
    RATE,
    BargeRun,
    EchoPath,
    LockstepBargeIn,
    at_level,
    line_noise,
    place,
)
from tests.media.barge import agent_speech as looped_agent
from tests.media.corpus import SENTENCES, VOICES, non_words_corpus
from tests.media.corpus import tts_clip as synthesize_clip

AGENT_TEXT = (
    "Our rooms are all non smoking, with a king bed or two queens, a desk, free wifi and a "
    "coffee maker. The suites add a sofa bed and a view of the river. Breakfast is served from "
    "seven until ten in the restaurant on the ground floor, and the pool is open until nine."
)


@functools.cache
def tts_clip(text: str, voice: str, rate_wpm: int, pitch: int) -> np.ndarray:
    """`tests.media.corpus.tts_clip`, made once per process: espeak-ng's breathy variants
    (`+f3`) add noise that differs from one synthesis to the next (and between processes: it
    follows the address layout), so every row of a run must hear the same clips. Read only."""
    clip = synthesize_clip(text, voice, rate_wpm, pitch)
    clip.flags.writeable = False
    return clip


@functools.cache
def _phone_band(agent: bytes) -> np.ndarray:
    pcm = np.frombuffer(agent, np.int16)
    line = StreamResampler(RATE, 8000).process(pcm, last=True)
    return StreamResampler(8000, RATE).process(line, last=True)[: pcm.size]


def phone_band(agent: np.ndarray) -> np.ndarray:
    """`agent` (16 kHz int16) with nothing over 4 kHz, as a phone call's playout sends it."""
    return _phone_band(agent.astype(np.int16).tobytes())


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
    echo_fit: str = "-"
    cpu_s: float = 0.0


@dataclasses.dataclass(frozen=True)
class Line:
    """The echo path and the call's history: `echo_db` down (None: no echo), `delay_ms` late;
    the agent has talked for `warm_s` (guest silent) before the trial's answer."""

    echo_db: float | None = -20.0
    delay_ms: int = 40
    warm_s: float = 0.0
    jitter: float = 0.0  # LockstepBargeIn.pull_jitter
    path: str = "flat"  # a key of ECHO_PATHS
    cancel: bool = False  # an echo canceller in front (media/echo_cancel.py), as phone calls have
    phone: bool = False  # the guest's side through a phone line (8 kHz μ-law)

    def rig(self, guest: np.ndarray, agent: np.ndarray, kind: str,
            config: VadConfig) -> LockstepBargeIn:
        if self.phone:  # the agent as a phone call sends it: 8 kHz (what the reference is)
            agent = phone_band(agent)
        return LockstepBargeIn(guest, agent, kind=kind, config=config, echo_db=self.echo_db,
                               echo_delay_ms=self.delay_ms, pull_jitter=self.jitter,
                               echo_path=ECHO_PATHS[self.path],
                               echo_canceller=EchoCanceller(RATE) if self.cancel else None,
                               phone_line=self.phone)


# The echo's way back: a scaled copy; a room (300 ms reverberation, 3 dB under the direct
# sound); the same room through a loudspeaker that saturates at twice the agent's RMS level.
ECHO_PATHS: dict[str, EchoPath | None] = {
    "flat": None,
    "room": EchoPath.room(300.0),
    "speaker": EchoPath.room(300.0, clip=2.0),
}


async def speech_trials(row: Row, config: VadConfig, trials: int, kind: str,
                        line: Line) -> None:
    rng = np.random.default_rng(42)
    for t in range(trials):
        text = SENTENCES[int(rng.integers(len(SENTENCES)))]
        voice = VOICES[t % len(VOICES)]
        clip = tts_clip(text, voice, int(rng.integers(140, 200)), int(rng.integers(35, 70)))
        onset = int((line.warm_s + rng.uniform(1.5, 2.0)) * RATE)
        n = onset + clip.size + RATE
        guest = place(n, at_level(clip, float(rng.uniform(-26.0, -16.0))), onset) + line_noise(n)
        rig = line.rig(guest, agent_speech(n / RATE + 5), kind, config)
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


async def non_word_trials(row: Row, config: VadConfig, seconds: float, kind: str,
                          line: Line) -> None:
    words = non_words_corpus(seed=7, seconds=seconds).samples
    row.sounds = count_sounds(words)
    warm = int(line.warm_s * RATE)
    guest = np.concatenate([line_noise(warm), words.astype(np.float64)])
    rig = line.rig(guest, agent_speech(line.warm_s + seconds + 10), kind, config)
    run: BargeRun = await rig.play()
    row.false_pauses = len(run.events_of(PlayoutPaused))
    row.non_word_cuts = len(run.interrupted)
    row.false_held = [e.held_ms for _, e in run.events_of(PlayoutResumed)
                      if isinstance(e, PlayoutResumed)]
    echo = line.rig(line_noise(int(seconds * RATE)), agent_speech(seconds + 10), kind, config)
    row.echo_pauses = len((await echo.play()).events_of(PlayoutPaused))
    row.echo_fit = fitted(echo)


def fitted(rig: LockstepBargeIn) -> str:
    """The echo loss the rig's detector assumes at the end, and how it got it."""
    detector = rig.detector
    if not isinstance(detector, VadTurnDetector):
        return "-"
    fit = detector.echo.fit
    left = detector.leftover.fit
    after = "" if left is None else f"; leftover {left.loss_db:.1f} under the cancelled"
    if fit is None:
        return f"{detector.echo.loss_db:.0f} (fixed){after}"
    if fit.envelope is not None:
        return f"{fit.loss_db:.1f} summed, most @ {fit.delay} fr{after}"
    delay = f"{fit.delay}-{fit.delay + 1}" if fit.pair else f"{fit.delay}"
    return f"{fit.loss_db:.1f} @ {delay} fr{after}"


async def main(candidates: list[int], levels: list[float], lines: list[Line],
               adapt: list[bool], bands: list[bool], envelope: list[bool], trials: int,
               seconds: float, kind: str) -> None:
    print(f"VAD {kind}; agent -20 dBFS; {trials} barge-ins, {seconds:.0f} s of non-words and "
          "of echo per row")
    print("| echo dB / delay ms | warm s | adaptive | bands | envelope | candidate ms | level dB "
          "| stop p50 | p95 "
          "| max "
          "| clear p50 | missed | cut | heard ok | pause→cut p95/max | false pauses "
          "| non-word cuts | false hold mean/max ms | echo pauses | loss after echo "
          "| CPU s |")
    print("|---" * 21 + "|")
    for line in lines:
        for adaptive, banded, summed, candidate_ms, level_db in itertools.product(
                adapt, bands, envelope, candidates, levels):
            config = VadConfig(candidate_ms=candidate_ms, level_candidate_db=level_db,
                               echo=EchoConfig(adapt=adaptive, bands=banded, envelope=summed))
            row = Row(candidate_ms)
            t0 = time.process_time()
            await speech_trials(row, config, trials, kind, line)
            await non_word_trials(row, config, seconds, kind, line)
            row.cpu_s = time.process_time() - t0
            held = (f"{statistics.mean(row.false_held):.0f} / {max(row.false_held):.0f}"
                    if row.false_held else "-")
            echo = "none" if line.echo_db is None else f"{line.echo_db:.0f} / {line.delay_ms}"
            if line.jitter:
                echo += f" (jitter {line.jitter:g})"
            if line.path != "flat" and line.echo_db is not None:
                echo += f" ({line.path})"
            if line.cancel:
                echo += ", cancelled"
            if line.phone:
                echo += ", phone line"
            print(f"| {echo} | {line.warm_s:g} | {'yes' if adaptive else 'no'} "
                  f"| {'yes' if banded else 'no'} | {'yes' if summed else 'no'} "
                  f"| {candidate_ms} | {level_db:g} | {pct(row.stops, .5):.0f} "
                  f"| {pct(row.stops, .95):.0f} "
                  f"| {max(row.stops, default=float('nan')):.0f} "
                  f"| {pct(row.clears, .5):.0f} | {row.missed}/{row.trials} "
                  f"| {row.cut}/{row.trials} | {row.heard_ok}/{row.cut} "
                  f"| {pct(row.decide, .95):.0f} / {max(row.decide, default=float('nan')):.0f} "
                  f"| {row.false_pauses}/{row.sounds} | {row.non_word_cuts} | {held} "
                  f"| {row.echo_pauses} | {row.echo_fit} | {row.cpu_s:.1f} |", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidate-ms", type=int, nargs="+",
                        default=[VadConfig().candidate_ms])
    parser.add_argument("--level-candidate-db", type=float, nargs="+",
                        default=[VadConfig().level_candidate_db],
                        help="candidates from level alone this far over floor and echo bound "
                             "(0 = off)")
    parser.add_argument("--echo-db", type=float, nargs="+", default=[-20.0],
                        help="echo level(s) relative to the agent, dB (e.g. -20 -12)")
    parser.add_argument("--no-echo", action="store_true", help="also a row with no echo")
    parser.add_argument("--echo-delay-ms", type=int, nargs="+", default=[40])
    parser.add_argument("--echo-path", nargs="+", default=["flat"], choices=list(ECHO_PATHS),
                        help="flat: a scaled copy; room: 300 ms reverberation; speaker: the "
                             "room through a saturating loudspeaker")
    parser.add_argument("--warm-s", type=float, nargs="+", default=[0.0, 6.0],
                        help="seconds the agent talked on the call before the answer cut into")
    parser.add_argument("--pull-jitter", type=float, nargs="+", default=[0.0],
                        help="share of frames at which the transport pulls two agent frames "
                             "(and none at the next): the reference drifts a frame")
    parser.add_argument("--adaptive", choices=["on", "off", "both"], default="on",
                        help="the per-call echo fit (VadConfig.echo.adapt)")
    parser.add_argument("--bands", choices=["on", "off", "both"], default="on",
                        help="the echo gate's band levels (VadConfig.echo.bands)")
    parser.add_argument("--envelope", choices=["on", "off", "both"], default="on",
                        help="the echo fit's sum over recent frames where one delay does not "
                             "explain the echo (VadConfig.echo.envelope)")
    parser.add_argument("--cancel", choices=["on", "off", "both"], default="off",
                        help="an echo canceller in front of the detector, as on phone calls "
                             "(FRONTDESK_ECHO_CANCEL)")
    parser.add_argument("--phone", action="store_true",
                        help="the guest's side (voice and echo) through a phone line: 8 kHz μ-law")
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--vad", default="silero", choices=["silero", "webrtc"])
    args = parser.parse_args()
    echoes: list[float | None] = [max(-60.0, min(e, 0.0)) for e in args.echo_db]
    if args.no_echo:
        echoes.append(None)
    delays = [max(0, min(d, 400)) for d in args.echo_delay_ms]
    choice = {"on": [True], "off": [False], "both": [False, True]}
    lines = [Line(e, d, max(0.0, min(w, 60.0)), max(0.0, min(j, 0.5)), path, cancel, args.phone)
             for e in echoes for d in (delays if e is not None else delays[:1])
             for path in (args.echo_path if e is not None else ["flat"])
             for j in args.pull_jitter for cancel in choice[args.cancel] for w in args.warm_s]
    asyncio.run(main([max(0, min(c, 400)) for c in args.candidate_ms],
                     [max(0.0, min(d, 60.0)) for d in args.level_candidate_db], lines,
                     choice[args.adaptive], choice[args.bands], choice[args.envelope],
                     max(1, min(args.trials, 500)), max(5.0, min(args.seconds, 600.0)),
                     args.vad))
