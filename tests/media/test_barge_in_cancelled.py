"""Barge-in on a line with an echo canceller in front (phone calls): the turn detector's
leftover gate (`VadConfig.leftover_echo`) learns how far under the canceller's predicted echo
its leftover stays, and lets a cut-in's first sounds over that leftover through while the raw
line's echo would still hold them back."""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

from media.echo_cancel import CancelledEcho, EchoCanceller
from media.frames import PCM16, AudioFrame
from media.vad import SileroClassifier, VadConfig, VadTurnDetector
from media.vad.echo import EchoConfig
from tests.fresh_speech import made_fresh
from tests.media.barge import (
    RATE,
    EchoPath,
    LockstepBargeIn,
    agent_speech,
    at_level,
    echo_of,
    frames_of,
    line_noise,
    place,
)
from tests.media.corpus import tts_clip

AGENT_TEXT = ("Our rooms are all non smoking, with a king bed or two queens, a desk, free wifi "
              "and a coffee maker, and the suites add a sofa bed and a view of the river.")
ROOM = EchoPath.room(300.0)
Float = npt.NDArray[np.float64]


CUT_IN = ("Sorry, one more thing.", "en-us")


def _say(line: tuple[str, str]) -> Float:
    return tts_clip(line[0], line[1], 165, 50)


@functools.cache
def _clips() -> tuple[Float, Float]:
    """The agent's answer and the cut-in, the same audio on every run (tests/fresh_speech.py;
    a voice without espeak's random breath)."""
    agent, cut_in = made_fresh(_say, [(AGENT_TEXT, "en"), CUT_IN])
    return agent, cut_in


def _agent(seconds: float) -> PCM16:
    return agent_speech(_clips()[0], seconds)


def test_the_canceller_reports_its_prediction_only_once_it_has_learnt_for_2_s() -> None:
    agent = _agent(8.0)
    mic = echo_of(agent, ROOM, -12.0, 640) + line_noise(agent.size)
    canceller = EchoCanceller(RATE)
    reports: list[CancelledEcho | None] = []
    pcm = np.clip(np.rint(mic), -32768, 32767).astype(np.int16)
    for k, sent in enumerate(frames_of(agent)):
        canceller.reference(sent)
        canceller.process(AudioFrame(pcm[k * 320 : (k + 1) * 320], RATE, k / 50))
        reports.append(canceller.last)
    first = next(k for k, r in enumerate(reports) if r is not None)
    assert 100 <= first <= 160  # 100 frames adapted: the agent's pauses are not counted
    late = [r for r in reports[300:] if r is not None and r.echo_dbfs > -45.0]
    assert late and all(r.resets == 0 for r in late)
    # Once learnt, what is left is far under the echo the filter predicted (and took out).
    assert float(np.median([r.echo_dbfs - r.left_dbfs for r in late])) > 15.0


async def test_a_cut_in_over_a_cancelled_echo_stops_the_agent_sooner() -> None:
    # A 12 dB room echo and a quiet guest (-32 dBFS): the raw line's gate holds "Sorry ..."
    # back; the agent pauses 19 frames (380 ms) after its onset and the cut-in is never
    # confirmed. Over the canceller's leftover: paused after 8 frames, and cleared.
    clip = _clips()[1]
    n, onset = 12 * RATE, int(9.5 * RATE)
    guest = place(n, at_level(clip, -32.0), onset) + line_noise(n)
    stops, cleared = [], []
    for config in (VadConfig(leftover_echo=None), VadConfig()):
        rig = LockstepBargeIn(guest, _agent(14.0), echo_db=-12.0, echo_path=ROOM, config=config,
                              echo_canceller=EchoCanceller(RATE))
        run = await rig.play()
        stop = run.stop_frame(after=onset // 320)
        stops.append(n // 320 if stop is None else stop)
        cleared.append(bool(run.interrupted))
    raw_only, with_leftover = stops
    assert cleared[1], "with the leftover gate the cut-in must clear the agent"
    assert with_leftover + 4 <= raw_only  # stream frames, not wall time


async def _leftover_says_over(path: EchoPath | None, phone_line: bool = False,
                              seconds: int = 30) -> list[bool]:
    """`seconds` of the agent alone on a 12 dB line through `path`, a canceller in front: what
    the leftover gate said of each frame it was asked about (True: over the echo)."""
    rig = LockstepBargeIn(line_noise(seconds * RATE, seed=3), _agent(seconds + 1.0),
                          echo_db=-12.0, echo_path=path, seed=3,
                          echo_canceller=EchoCanceller(RATE), phone_line=phone_line)
    assert isinstance(rig.detector, VadTurnDetector)
    leftover = rig.detector.leftover
    over = leftover.over
    said: list[bool] = []
    fitted: list[bool] = []  # whether the gate had a fit, frame by frame

    def watched(ref_db: float, mic_db: float, floor_db: float) -> bool:
        said.append(over(ref_db, mic_db, floor_db))
        fitted.append(leftover.fit is not None)
        return said[-1]

    leftover.over = watched  # type: ignore[method-assign]
    run = await rig.play()
    assert run.interrupted == []
    # It had a say for 1000-1200 of ~1300 frames; behind the saturating speaker for 250.
    assert sum(fitted) > 200, "the gate must have had a say for a good part of the call"
    return said


async def test_the_leftover_gate_never_takes_the_echo_for_the_guest() -> None:
    """Flat, a room, and the room through a saturating speaker (which the canceller cannot
    undo: its leftover is only ~9 dB under): the leftover gate counts an echo frame as over
    the echo at most twice in 30 s (measured 0 on each)."""
    for path in (None, ROOM, EchoPath.room(300.0, clip=2.0)):
        said = await _leftover_says_over(path)
        assert len(said) > 1000 and sum(said) <= 2


async def test_over_a_phone_line_the_leftover_at_the_lines_noise_is_not_the_guest() -> None:
    """Through 8 kHz μ-law, where the agent is quiet its echo's leftover is the line's noise,
    which a bound fitted 20 dB under the prediction would let through: a frame must also be
    10 dB over the leftover's floor (60 s: 0 frames called over the echo; 4 without the rule)."""
    said = await _leftover_says_over(None, phone_line=True, seconds=60)
    assert len(said) > 2000 and sum(said) <= 1


def test_a_new_filter_voids_what_the_leftover_gate_learnt() -> None:
    """A canceller that diverged starts again from nothing: its leftover is the whole echo
    until it learns, so the bound fitted to the old filter must go."""
    detector = VadTurnDetector(SileroClassifier())
    noise = np.clip(line_noise(320 * 400), -32768, 32767).astype(np.int16)
    agent = AudioFrame(np.full(320, 3000, np.int16), RATE, 0.0)
    for k in range(400):
        frame = AudioFrame(noise[k * 320 : (k + 1) * 320], RATE, k / 50)
        left = CancelledEcho(-30.0 - 5 * (k % 2), -50.0 - 20 * (k % 3 == 0), resets=0)
        detector.process(frame, agent, left)
    assert detector.leftover.fit is not None
    detector.process(AudioFrame(noise[:320], RATE, 8.0), agent,
                     CancelledEcho(-30.0, -31.0, resets=1))
    assert detector.leftover.fit is None


class _EverythingIsSpeech:
    """A classifier that calls every frame speech: only the detector's gates decide."""

    name = "everything"
    cheap = True
    stride = 1

    def speech_probability(self, samples: PCM16) -> float:
        return 1.0

    def reset(self) -> None:
        pass


def _noise_at(dbfs: float, seed: int) -> PCM16:
    x = np.random.default_rng(seed).standard_normal(320)
    x *= 32768.0 * 10 ** (dbfs / 20) / np.sqrt(np.mean(x * x))
    out: PCM16 = np.clip(np.rint(x), -32768, 32767).astype(np.int16)
    return out


def test_the_leftover_gate_lets_a_frame_through_only_where_the_guest_is_most_of_the_line(
        ) -> None:
    """The classifier hears the line as it came. A frame over the leftover's bound but under
    the raw echo's, whose line is still mostly echo, must not count as over the echo: the
    classifier's verdict there would be the echo's (a cough under a loud echo). Nor does one
    such frame alone: now and then the filter misses a frame of the echo by far."""
    detector = VadTurnDetector(_EverythingIsSpeech(),
                               VadConfig(echo=EchoConfig(bands=False), level_candidate_db=0.0))
    silent = AudioFrame(np.zeros(320, np.int16), RATE, 0.0)
    levels = np.random.default_rng(3).uniform(-30.0, -15.0, 560)
    for k in range(560):  # the agent talks a second, then pauses; its echo is 12 dB down
        talking = k % 100 < 50
        echo = levels[k] - 12.0
        line = _noise_at(echo if talking else -75.0, k)
        agent = AudioFrame(_noise_at(levels[k], k + 1000), RATE, k / 50) if talking else silent
        left = CancelledEcho(echo, -55.0 if k % 4 == 0 else -72.0, resets=0) if talking else None
        detector.process(AudioFrame(line, RATE, k / 50), agent, left)
    assert detector.echo.fit is not None and detector.leftover.fit is not None
    agent = AudioFrame(_noise_at(-20.0, 1), RATE, 0.0)

    def gated(line_dbfs: float, left_dbfs: float) -> bool:
        before = detector.echo_gated_frames
        detector.process(AudioFrame(_noise_at(line_dbfs, 7), RATE, 12.0), agent,
                         CancelledEcho(-32.0, left_dbfs, resets=0))
        return detector.echo_gated_frames > before

    assert gated(-31.0, -60.0)  # under both bounds: echo
    # The guest is most of the line, over the leftover: from the second such frame running (a
    # single frame the filter missed is not taken for the guest).
    assert gated(-31.0, -35.0) and not gated(-31.0, -35.0) and not gated(-31.0, -35.0)
    assert gated(-31.0, -60.0)
    assert gated(-31.0, -40.0) and gated(-31.0, -40.0)  # over it, but the line is mostly echo
