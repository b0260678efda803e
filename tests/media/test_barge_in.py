"""Two-stage barge-in through the real bridge, detector and playout (frame-locked rig): speech
over the agent pauses it and then clears it; coughs and "mm-hm"s pause it at most and it resumes;
the agent's own echo never pauses it; a hold nobody settles ends by itself."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from media.echo_cancel import CancelledEcho
from media.events import (
    CandidateDropped,
    PlayoutCleared,
    PlayoutFinished,
    PlayoutPaused,
    PlayoutResumed,
    SpeechCandidate,
    SpeechEnded,
    SpeechStarted,
    TurnEvent,
)
from media.frames import AudioFrame
from media.vad import SileroClassifier, VadConfig, VadTurnDetector
from media.vad import detector as detector_module
from media.vad.bands import band_levels
from media.vad.echo import EchoConfig, EchoFit
from tests.media.barge import (
    AGENT_UTTERANCE,
    RATE,
    BargeRun,
    EchoPath,
    LockstepBargeIn,
    agent_speech,
    at_level,
    line_noise,
    place,
)
from tests.media.corpus import non_words_corpus, tts_clip

AGENT_TEXT = ("Our rooms are all non smoking, with a king bed or two queens, a desk, free wifi "
              "and a coffee maker, and the suites add a sofa bed and a view of the river.")


def _agent(seconds: float) -> np.ndarray:
    return agent_speech(tts_clip(AGENT_TEXT, "en+f3", 165, 50), seconds)


def _agent_played_everything(run: BargeRun, agent: np.ndarray) -> bool:
    finished = [e for _, e in run.playout_events if isinstance(e, PlayoutFinished)]
    return finished == [PlayoutFinished(AGENT_UTTERANCE, 1000.0 * agent.size / RATE)]


async def test_speech_over_the_agent_pauses_then_clears_with_the_heard_position() -> None:
    clip = tts_clip("Sorry, wait, what about lunch on Sunday?", "en-us", 165, 50)
    n = 4 * RATE
    onset = int(1.5 * RATE)
    guest = place(n, at_level(clip, -20.0), onset) + line_noise(n)
    run = await LockstepBargeIn(guest, _agent(6.0)).play()

    paused = run.events_of(PlayoutPaused)
    cleared = run.events_of(PlayoutCleared)
    assert len(paused) == 1 and len(cleared) == 1
    (pause_at, pause), (clear_at, clear) = paused[0], cleared[0]
    assert isinstance(pause, PlayoutPaused) and isinstance(clear, PlayoutCleared)
    assert onset // 320 <= pause_at < clear_at  # paused first, on the guest's speech
    assert not run.events_of(PlayoutResumed)
    # Nothing of the agent went out between the pause and the clear ...
    assert not any(p.had_audio for p in run.pulled[pause_at + 1 : clear_at + 1])
    # ... so what the guest heard is what had played when it paused.
    assert run.interrupted and run.interrupted[0].utterance_id == AGENT_UTTERANCE
    assert run.interrupted[0].played_ms == pause.played_ms == clear.played_ms
    assert pause.played_ms == 20.0 * sum(p.had_audio for p in run.pulled[: pause_at + 1])
    turn_kinds = [type(e) for _, e in run.turn_events]
    assert turn_kinds[:2] == [SpeechCandidate, SpeechStarted]
    assert run.holds == 1 and run.holds_released == 0


async def test_non_words_over_the_agent_never_interrupt_and_it_resumes() -> None:
    words = non_words_corpus(seed=5, seconds=12.0).samples.astype(np.float64)
    agent = _agent(10.0)
    run = await LockstepBargeIn(words, agent).play()

    assert run.interrupted == [] and not run.events_of(PlayoutCleared)
    assert not any(isinstance(e, SpeechStarted) for _, e in run.turn_events)
    pauses = run.events_of(PlayoutPaused)
    resumes = run.events_of(PlayoutResumed)
    assert pauses, "the corpus's hums should pause the agent at least once"
    assert len(resumes) == len(pauses) == run.holds == run.holds_released
    for (p_at, _), (r_at, resumed) in zip(pauses, resumes, strict=True):
        assert p_at < r_at and isinstance(resumed, PlayoutResumed) and not resumed.timed_out
    assert _agent_played_everything(run, agent)  # every sample, resumed where it stopped


def _hum(seconds: float, f0: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    x = sum(np.sin(2 * np.pi * f0 * k * t) / k**1.5 for k in range(1, 9))
    x = x * np.sin(np.pi * t / seconds) ** 2
    return np.asarray(x / np.sqrt(np.mean(x**2)))


async def test_an_mm_hm_over_the_agent_does_not_interrupt() -> None:
    mm_hm = np.concatenate([_hum(0.17, 130.0), np.zeros(int(0.15 * RATE)), _hum(0.18, 170.0)])
    n = 4 * RATE
    guest = place(n, at_level(mm_hm, -18.0), int(1.5 * RATE)) + line_noise(n)
    agent = _agent(3.5)
    run = await LockstepBargeIn(guest, agent).play()
    assert run.interrupted == [] and not run.events_of(PlayoutCleared)
    assert run.events_of(PlayoutPaused), "each hum is long enough to pause the agent"
    assert len(run.events_of(PlayoutPaused)) == len(run.events_of(PlayoutResumed))
    assert _agent_played_everything(run, agent)


async def test_the_agents_own_echo_never_pauses_it() -> None:
    n = 8 * RATE
    agent = _agent(7.0)
    run = await LockstepBargeIn(line_noise(n), agent, echo_db=-20.0).play()
    assert not run.events_of(PlayoutPaused) and run.interrupted == []
    assert not any(isinstance(e, SpeechCandidate) for _, e in run.turn_events)
    assert _agent_played_everything(run, agent)


async def test_without_barge_in_nothing_pauses() -> None:
    clip = tts_clip("Sorry, wait, what about lunch on Sunday?", "en-us", 165, 50)
    n = 4 * RATE
    guest = place(n, at_level(clip, -20.0), int(1.5 * RATE)) + line_noise(n)
    run = await LockstepBargeIn(guest, _agent(2.0), barge_in=False).play()
    assert not run.events_of(PlayoutPaused) and not run.events_of(PlayoutCleared)
    assert run.interrupted == []


async def test_on_an_echo_free_line_the_level_pauses_a_cut_in_before_the_classifier_would(
) -> None:
    """No echo on the line (browser AEC): from silence silero needs a few windows to call the
    cut-in speech; a candidate from level alone (`level_candidate_db`) pauses the agent on the
    onset's second frame, and the turn, still the classifier's decision, clears it with the
    position heard at the pause."""
    clip = tts_clip("Sorry, wait, what about lunch on Sunday?", "en-us", 165, 50)
    n = 4 * RATE
    onset = int(1.5 * RATE)
    guest = place(n, at_level(clip, -20.0), onset) + line_noise(n)
    stops: dict[float, int] = {}
    for level_db in (0.0, 10.0):
        config = VadConfig(level_candidate_db=level_db)
        run = await LockstepBargeIn(guest, _agent(6.0), echo_db=None, config=config).play()
        stop = run.stop_frame(after=onset // 320)
        assert stop is not None
        stops[level_db] = stop - onset // 320
        [(_, pause)] = run.events_of(PlayoutPaused)
        assert isinstance(pause, PlayoutPaused) and len(run.events_of(PlayoutCleared)) == 1
        assert run.interrupted and run.interrupted[0].played_ms == pause.played_ms
        assert not run.events_of(PlayoutResumed)
    assert stops[10.0] <= 2  # paused by the onset frame and the next (counted in frames)
    assert stops[0.0] >= 4  # the classifier alone: frames later


class _CandidateOnly:
    """Raises one candidate at frame `at` and never settles it (until `drop_at`, if given)."""

    def __init__(self, at: int, drop_at: int | None = None) -> None:
        self.at, self.drop_at, self.index = at, drop_at, -1

    def process(self, frame: AudioFrame, agent_frame: AudioFrame | None = None,
                cancelled: CancelledEcho | None = None) -> list[TurnEvent]:
        self.index += 1
        if self.index == self.at:
            return [SpeechCandidate(at=frame.timestamp)]
        if self.index == self.drop_at:
            return [CandidateDropped(at=frame.timestamp)]
        return []

    def reset(self) -> None:
        self.index = -1

    def end_turn_if_paused(self) -> SpeechEnded | None:
        return None


async def test_an_unsettled_hold_times_out_and_the_agent_carries_on() -> None:
    agent = _agent(2.0)
    rig = LockstepBargeIn(line_noise(3 * RATE), agent, hold_max_ms=200.0,
                          detector=_CandidateOnly(at=20, drop_at=60))
    run = await rig.play()
    resumes = run.events_of(PlayoutResumed)
    assert [at for at, _ in run.events_of(PlayoutPaused)] == [20]
    assert len(resumes) == 1
    at, resumed = resumes[0]
    assert isinstance(resumed, PlayoutResumed) and resumed.timed_out and resumed.held_ms == 200.0
    assert at < 60  # by itself, before the late drop (which then changes nothing)
    assert sum(not p.had_audio for p in run.pulled[21:40]) == 10
    assert run.interrupted == [] and run.holds_released == 0
    assert _agent_played_everything(run, agent)


# -- the per-call echo fit (media/vad/echo.py) -------------------------------------------------
def _echo_only(echo_db: float, seconds: float = 8.0, delay_ms: int = 40) -> LockstepBargeIn:
    return LockstepBargeIn(line_noise(int(seconds * RATE)), _agent(seconds + 1.0),
                           echo_db=echo_db, echo_delay_ms=delay_ms)


def _fit_of(rig: LockstepBargeIn) -> EchoFit | None:
    assert isinstance(rig.detector, VadTurnDetector)
    return rig.detector.echo.fit


async def test_the_echo_fit_learns_a_20_db_line_and_never_pauses_on_its_echo() -> None:
    rig = _echo_only(-20.0)
    run = await rig.play()
    fit = _fit_of(rig)
    assert fit is not None and fit.delay == 2 and not fit.pair  # 40 ms late: two frames
    assert 17.0 <= fit.loss_db <= 20.5  # near the line's 20 dB, never above it
    assert not run.events_of(PlayoutPaused) and run.interrupted == []


async def test_an_echo_between_two_frames_is_fitted_to_both_without_pauses() -> None:
    rig = _echo_only(-12.0, delay_ms=50)
    run = await rig.play()
    fit = _fit_of(rig)
    assert fit is not None and fit.delay == 2 and fit.pair  # 50 ms: frames 2 and 3 back
    assert fit.loss_db <= 12.5
    assert not run.events_of(PlayoutPaused) and run.interrupted == []


async def test_the_echo_fit_stays_conservative_on_a_12_db_line() -> None:
    rig = _echo_only(-12.0)
    run = await rig.play()
    fit = _fit_of(rig)
    assert fit is not None and fit.loss_db <= 12.5  # stricter than the 14 dB assumed
    assert not run.events_of(PlayoutPaused) and run.interrupted == []


async def test_on_an_echo_free_line_non_words_over_the_agent_do_not_cost_the_echo_fit() -> None:
    """Frames loud enough for a level candidate, and their edges, are the guest's: left out of
    the fit, coughs and hums on a line without echo do not make its residual spread (which
    would reject the fit and put back the fixed bound, ~30 dB stricter, for the next cut-in).
    Every refit after the first keeps the 40 dB ceiling."""
    words = non_words_corpus(seed=5, seconds=12.0).samples.astype(np.float64)
    rig = LockstepBargeIn(words, _agent(13.0), echo_db=None,
                          config=VadConfig(level_candidate_db=10.0))
    assert isinstance(rig.detector, VadTurnDetector)
    echo = rig.detector.echo
    refit = echo._refit
    fits: list[EchoFit | None] = []

    def watched(floor_db: float) -> None:
        refit(floor_db)
        fits.append(echo.fit)

    echo._refit = watched  # type: ignore[method-assign]
    run = await rig.play()
    assert run.interrupted == [] and len(fits) >= 10
    assert all(fit is not None and fit.loss_db == 40.0 for fit in fits[1:])


async def _cut_in_stops(text: str, voice: str, echo_db: float,
                        configs: list[EchoConfig]) -> list[tuple[int, LockstepBargeIn]]:
    """`text` said at -24 dBFS 7.5 s into a call, over the agent and its echo `echo_db` down,
    once per echo-gate config: the frame that stopped the agent, and the rig. Each cut-in
    must clear the agent."""
    clip = tts_clip(text, voice, 165, 50)
    n = 10 * RATE
    onset = int(7.5 * RATE)
    guest = place(n, at_level(clip, -24.0), onset) + line_noise(n)
    stops = []
    for echo in configs:
        rig = LockstepBargeIn(guest, _agent(12.0), echo_db=echo_db, config=VadConfig(echo=echo))
        run = await rig.play()
        assert run.interrupted, "the cut-in must clear the agent"
        stop = run.stop_frame(after=onset // 320)
        assert stop is not None
        stops.append((stop, rig))
    return stops


async def test_a_cut_in_on_a_learnt_line_stops_the_agent_no_later_than_a_fixed_bound() -> None:
    # "Thanks" opens with ~100 ms of quiet consonant under the agent's echo.
    (fixed, rig_fixed), (learnt, rig_learnt) = await _cut_in_stops(
        "Thanks, that's all I needed.", "en", -20.0,
        [EchoConfig(adapt=False), EchoConfig(adapt=True)])
    assert _fit_of(rig_fixed) is None and _fit_of(rig_learnt) is not None
    assert learnt < fixed  # stream frames, not wall time: the fit lets the onset through sooner


class _FailsOnce:
    """The real detector, except that it raises on one frame (a bug, a bad frame)."""

    def __init__(self, at_call: int) -> None:
        self.inner = VadTurnDetector(SileroClassifier())
        self.calls = 0
        self.at_call = at_call
        self.resets = 0

    def process(self, frame: AudioFrame, agent_frame: AudioFrame | None = None,
                cancelled: CancelledEcho | None = None) -> list[TurnEvent]:
        self.calls += 1
        if self.calls == self.at_call:
            raise ValueError("math domain error")
        return self.inner.process(frame, agent_frame, cancelled)

    def reset(self) -> None:
        self.resets += 1
        self.inner.reset()

    def end_turn_if_paused(self) -> SpeechEnded | None:
        return self.inner.end_turn_if_paused()


async def test_a_turn_detector_that_fails_is_reset_and_the_call_goes_on(
        caplog: pytest.LogCaptureFixture) -> None:
    clip = tts_clip("Sorry, wait, what about lunch on Sunday?", "en-us", 165, 50)
    n = 8 * RATE
    onset = int(5.0 * RATE)
    guest = place(n, at_level(clip, -20.0), onset) + line_noise(n)
    detector = _FailsOnce(at_call=100)  # 2 s in, while the agent talks
    rig = LockstepBargeIn(guest, _agent(10.0), detector=detector)
    with caplog.at_level(logging.ERROR, logger="media.bridge"):
        run = await rig.play()
    assert len(run.pulled) == n // 320  # the bridge read the guest's audio to its end
    assert rig.bridge.detector_failures == 1 and detector.resets == 1
    assert run.interrupted, "a cut-in after the failure still clears the agent"
    [record] = [r for r in caplog.records if "turn detector failed" in r.getMessage()]
    assert "lockstep" in record.getMessage() and record.exc_info is not None


# -- the echo gate's bands (media/vad/bands.py, EchoBound.over_in_bands) ----------------------
async def test_the_echo_fit_learns_each_bands_loss_and_the_echo_never_passes_it() -> None:
    rig = _echo_only(-12.0)
    run = await rig.play()
    assert isinstance(rig.detector, VadTurnDetector)
    bands = rig.detector.echo.band_fit
    assert bands is not None and int(np.count_nonzero(bands.usable)) >= 6
    assert np.all((bands.loss_db[bands.usable] >= 10.0) & (bands.loss_db[bands.usable] <= 12.5))
    assert not run.events_of(PlayoutPaused) and run.interrupted == []


async def test_band_levels_are_not_computed_on_a_line_without_echo(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A browser cancels its own echo: once the fit says so, the bands would cost CPU for nothing.
    calls = []

    def counted(samples: np.ndarray, rate: int) -> np.ndarray:
        calls.append(rate)
        return band_levels(samples, rate)

    monkeypatch.setattr(detector_module, "band_levels", counted)
    counts = []
    for echo_db in (None, -12.0):
        calls.clear()
        run = await LockstepBargeIn(line_noise(8 * RATE), _agent(9.0), echo_db=echo_db).play()
        assert not run.events_of(PlayoutPaused)
        counts.append(len(calls))
    echo_free, echoed = counts
    assert echoed >= 2 * 300 and 3 * echo_free < echoed  # two per frame while needed


async def test_a_cut_in_under_the_echo_in_level_but_over_it_in_bands_stops_the_agent_sooner(
        ) -> None:
    # "How far ...": its breathy "h" stays under the 12 dB echo's level bound for its first
    # frames but is over the echo in the upper bands, where the agent's vowels are weak.
    (level_only, _), (with_bands, _) = await _cut_in_stops(
        "How far are you from the train station?", "en-us", -12.0,
        [EchoConfig(bands=False), EchoConfig(bands=True)])
    assert with_bands < level_only  # stream frames, not wall time


async def test_a_reverberant_line_through_a_saturating_speaker_causes_no_echo_pause() -> None:
    # 300 ms of room reverberation, 3 dB under the direct sound; the speaker clips at twice
    # the agent's RMS. The level fit rarely holds on such a line (its echo does not follow one
    # delay): the bands then stay out of the decision.
    for clip in (None, 2.0):
        rig = LockstepBargeIn(line_noise(12 * RATE), _agent(13.0), echo_db=-20.0,
                              echo_path=EchoPath.room(300.0, clip=clip))
        run = await rig.play()
        assert not run.events_of(PlayoutPaused) and run.interrupted == []


async def test_on_a_reverberant_12_db_line_the_summed_echo_fit_stops_echo_pauses() -> None:
    # A 12 dB echo with 300 ms of room reverberation: one delay cannot follow it, and the fixed
    # bound left then is low enough for its tail to pause the agent again and again. (Without
    # the guard of a rejected fit, which would also hold that tail: the last test here.)
    pauses = []
    for envelope in (False, True):
        rig = LockstepBargeIn(line_noise(30 * RATE, seed=3), _agent(31.0), echo_db=-12.0,
                              echo_path=EchoPath.room(300.0), seed=3,
                              config=VadConfig(echo=EchoConfig(envelope=envelope,
                                                               guard_max_spread_db=0.0)))
        run = await rig.play()
        assert run.interrupted == []
        pauses.append(len(run.events_of(PlayoutPaused)))
    fit = _fit_of(rig)
    assert fit is not None and fit.envelope is not None and fit.loss_db <= 12.5  # never laxer
    one_delay, summed = pauses  # 8-16 against 0-2 in 30 s (the agent's breathy voice varies)
    assert one_delay >= 6 and 3 * summed <= one_delay


async def test_a_reference_that_wanders_by_a_frame_causes_no_echo_pause() -> None:
    # Guest frames in bursts: now and then two agent frames are pulled before one guest frame.
    rig = LockstepBargeIn(line_noise(8 * RATE), _agent(9.0), echo_db=-12.0, pull_jitter=0.2,
                          seed=3)
    run = await rig.play()
    assert not run.events_of(PlayoutPaused) and run.interrupted == []
    assert _fit_of(rig) is not None


async def test_quiet_frames_kept_for_the_classifier_while_the_agent_talks_pause_less() -> None:
    # Coughs over an echo-free agent: a classifier that heard the quiet line before each sound
    # calls fewer of them speech than one scoring the sound straight after stale context.
    words = non_words_corpus(seed=5, seconds=30.0).samples.astype(np.float64)
    guest = words + line_noise(words.size)
    pauses = []
    for keep in (False, True):
        run = await LockstepBargeIn(guest, _agent(31.0), echo_db=None,
                                    config=VadConfig(quiet_frames_while_agent=keep)).play()
        assert run.interrupted == []
        pauses.append(len(run.events_of(PlayoutPaused)))
    dropped, kept = pauses
    assert kept < dropped


async def test_over_a_phone_line_a_fit_too_spread_to_use_still_guards_the_fallback() -> None:
    """A speakerphone in a room, over a phone line: the echo fit spreads a little over what it
    may to be used (6 dB: the room's tail through μ-law), so the fixed fallback applies, which
    that echo comes over where the agent's level drops. The rejected fit still bounds the echo,
    so the bound is kept at least that strict: 9-11 echo pauses in 39 s without, 0-2 with."""
    pauses = []
    for guard_db in (0.0, 12.0):
        rig = LockstepBargeIn(line_noise(40 * RATE, seed=4), _agent(41.0), echo_db=-12.0,
                              echo_path=EchoPath.room(300.0), seed=4, phone_line=True,
                              config=VadConfig(echo=EchoConfig(guard_max_spread_db=guard_db)))
        run = await rig.play()
        assert run.interrupted == []
        pauses.append(sum(1 for at, _ in run.events_of(PlayoutPaused) if at >= 50))  # after 1 s
    unguarded, guarded = pauses
    assert unguarded >= 6 and 3 * guarded <= unguarded
