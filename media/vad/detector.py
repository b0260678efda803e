"""`VadTurnDetector`: a frame classifier plus the rules that turn frame decisions into turns.

Per 20 ms frame at 16 kHz a frame counts as speech only if all three agree:
  * the classifier's probability clears its threshold (a lower one once a turn is under way);
  * its level clears an adaptive noise floor by `floor_gate_db` (and an absolute minimum);
  * while the agent is talking, it is clearly louder than an echo of the agent could be
    (`EchoBound`, media/vad/echo.py: at first the agent level held for a few hundred ms to
    cover the echo path's delay, minus an assumed echo return loss, plus a margin; once the
    call's own audio shows the echo's delay and loss, the agent level that far back minus the
    worst loss seen, plus a smaller margin; or over the echo in enough frequency bands, which
    lets a quiet consonant over the agent's vowel through; or, on a line with an echo
    canceller in front, what the canceller left is over the leftover's own fitted bound,
    `VadConfig.leftover_echo`). Real speech over the agent still passes: barge-in.
While a turn is under way a frame must also come within `turn_dynamic_db` of the turn's
(slowly decaying) peak level, so steady babble under the guest cannot hold the turn open.
A turn starts once `min_speech_ms` of speech frames arrive without a gap over `max_gap_ms`
(so a cough, click or "mm" does not start one) and ends `hangover_ms` after the last speech
frame. `SpeechEnded.audio` carries `pre_roll_ms` before the onset, so STT hears the first phoneme.
At every `pause_ms` of silence inside a turn (200, 400 ms …) a `SpeechPaused` lets the engine end
the turn early with `end_turn_if_paused()` when what was said is already a whole answer
(semantic endpointing); otherwise the hangover runs its course.
Long before that, `candidate_ms` of consecutive speech frames raise a `SpeechCandidate` (barge-in
pauses the agent on it); so do `candidate_ms` of frames `level_candidate_db` over both the floor's
gate and the echo bound, before the classifier has made up its mind (from silence silero needs
a few windows). The candidate is settled by `SpeechStarted` (still the classifier's decision),
or by `CandidateDropped` once neither the classifier nor the level has backed it for
`max_gap_ms` outside a turn (a cough, a click, a door).
A costly classifier (silero) runs as a cascade behind the level and echo gates, and sparsely
inside clean settled speech (`VadConfig.cascade`; docs/media-measurements.md).
"""

from __future__ import annotations

import enum
import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from media.echo_cancel import CancelledEcho
from media.events import (
    CandidateDropped,
    SpeechCandidate,
    SpeechEnded,
    SpeechPaused,
    SpeechStarted,
    TurnEvent,
)
from media.frames import PCM16, AudioFrame
from media.resample import StreamResampler
from media.vad.bands import Levels, band_levels
from media.vad.classifier import VAD_FRAME_SAMPLES, VAD_RATE, FrameClassifier
from media.vad.echo import EchoBound, EchoConfig

FRAME_S = VAD_FRAME_SAMPLES / VAD_RATE
# Frames either side of a frame loud enough for a level candidate that the echo fit leaves out
# with it (a cough's or a word's quieter edges would otherwise read as a loud echo).
SOUND_EDGE_FRAMES = 2


def level_dbfs(samples: PCM16) -> float:
    """RMS level in dBFS, floored at -120 (float32 dot product: a few µs per frame)."""
    x = samples.astype(np.float32)
    energy = float(np.dot(x, x)) / max(x.size, 1)
    return max(-120.0, 10.0 * math.log10(energy / (32768.0 * 32768.0))) if energy > 0 else -120.0


@dataclass(frozen=True, slots=True)
class VadConfig:
    """Tunables; durations in ms, levels in dBFS / dB."""

    threshold: float = 0.5
    continue_threshold: float = 0.35
    min_speech_ms: int = 240
    candidate_ms: int = 40  # consecutive speech before a SpeechCandidate; 0 = never
    # A candidate also from level alone: `candidate_ms` of consecutive frames each this many dB
    # over both the noise floor's gate and the echo bound, whatever the classifier says yet
    # (silero needs 60-140 ms to rise from silence; a wrong pause only resumes). Such frames,
    # and SOUND_EDGE_FRAMES either side, are also kept out of the echo fit. 0 = off.
    level_candidate_db: float = 10.0
    max_gap_ms: int = 100
    hangover_ms: int = 600
    pause_ms: int = 200  # a SpeechPaused at each multiple of this silence in a turn; 0 = never
    pre_roll_ms: int = 300
    tail_ms: int = 100
    max_turn_ms: int = 30_000
    min_level_dbfs: float = -55.0
    floor_gate_db: float = 3.0
    floor_initial_dbfs: float = -70.0
    floor_window_ms: int = 4000
    floor_percentile: float = 10.0
    floor_update_every: int = 5
    spread_percentile: float = 30.0
    spread_knee_db: float = 2.0
    spread_gate_factor: float = 4.0
    spread_gate_max_db: float = 6.0
    warmup_ms: int = 300
    turn_dynamic_db: float = 20.0
    turn_peak_decay_db_per_frame: float = 0.05
    skip_quiet_frames: bool = True
    quiet_frames_while_agent: bool = False  # kept for catch-up while the agent is heard
    # The cascade (silero costs ~100 µs per 32 ms window): the classifier only runs where its
    # answer can matter (the level and echo gates are open), plus `classifier_hold_ms` after
    # they close. The latest `classifier_catch_up_ms` of frames passed over are fed to it before
    # it next runs, so its recurrent state hears what came just before. Inside a turn on a
    # clean line (turn peak >= `settled_snr_db` over the floor, where the level gate alone
    # finds the turn's end) and while its score stays >= `settled_probability`, only every
    # `settled_stride`-th window is scored, and every `pending_stride`-th while a candidate
    # is being confirmed (frame >= `settled_snr_db` over the floor); in noise every window is.
    # (Not for a `cheap` classifier: webrtcvad costs less than the bookkeeping.)
    cascade: bool = True
    classifier_hold_ms: int = 600
    classifier_catch_up_ms: int = 320
    settled_probability: float = 0.9
    settled_stride: int = 8
    settled_snr_db: float = 30.0
    pending_stride: int = 2
    agent_silent_dbfs: float = -60.0
    echo: EchoConfig = field(default_factory=EchoConfig)  # the echo gate, media/vad/echo.py
    # On a line with an echo canceller in front (media/echo_cancel.py), a frame also counts as
    # over the echo if what the canceller left is over the leftover's bound: fitted at no delay
    # against the echo the canceller predicted, over frames whose prediction is 20 dB or more
    # over the leftover's floor (under that the leftover is the line's noise, whatever was
    # predicted; nor has a leftover under 10 dB over it any say). Its worst case over the last
    # ~2.5 s is taken as it comes (any spread: a leftover's level follows its prediction only
    # loosely) up to 20 dB under the prediction (a shorter window than the raw line's: the
    # leftover shrinks as the canceller learns, and the bound follows sooner). Until it has a
    # fit it has no say. None = off: the line's raw echo alone decides.
    leftover_echo: EchoConfig | None = field(default_factory=lambda: EchoConfig(
        bands=False, envelope=False, fit_max_delay_ms=0, loss_min_db=-20.0, loss_max_db=20.0,
        fit_window_ms=2560, fit_max_spread_db=40.0, min_ref_over_floor_db=20.0,
        min_mic_over_floor_db=10.0))
    # ... and only where what the canceller left is within this of the line's level: the
    # classifier hears the line as it came, so where the echo is most of it its verdict is the
    # echo's (a cough under a loud echo).
    leftover_share_db: float = 6.0


class RecentLevels:
    """The last `size` frame levels, and low percentiles of them (minimum statistics: a noise
    floor that follows the line whatever is said over it)."""

    def __init__(self, size: int) -> None:
        self._ring = np.zeros(size, np.float64)
        self.seen = 0  # levels added since the last clear

    def add(self, level: float) -> None:
        self._ring[self.seen % self._ring.size] = level
        self.seen += 1

    def clear(self) -> None:
        self.seen = 0

    def percentiles(self, *percents: float) -> list[float] | None:
        """The levels held at those percentiles (nearest rank below); None under 10 levels."""
        n = min(self.seen, self._ring.size)
        if n < 10:
            return None
        ks = [int(p / 100 * (n - 1)) for p in percents]
        ranked = np.partition(self._ring[:n], ks)
        return [float(ranked[k]) for k in ks]


class TurnState(enum.Enum):
    IDLE = "idle"
    PENDING = "pending"  # speech seen, not yet long enough to be a turn
    SPEAKING = "speaking"


class VadTurnDetector:
    """Implements `media.turns.TurnDetector` on top of any `FrameClassifier`."""

    def __init__(self, classifier: FrameClassifier, config: VadConfig | None = None) -> None:
        self.classifier = classifier
        self.config = config or VadConfig()
        self.cascade = self.config.cascade and not classifier.cheap
        self.sample_rate = VAD_RATE
        self._resampler: StreamResampler | None = None
        c = self.config
        self._pre_roll_frames = c.pre_roll_ms // 20
        history = self._pre_roll_frames + 4 * (c.min_speech_ms + c.max_gap_ms) // 20 + 2
        self._history: deque[PCM16] = deque(maxlen=history)
        self._levels = RecentLevels(c.floor_window_ms // 20)
        self._pending = np.zeros(0, np.int16)
        self._unscored: deque[PCM16] = deque(maxlen=max(1, c.classifier_catch_up_ms // 20))
        self.frames_processed = 0
        self.echo_gated_frames = 0
        self.classified_frames = 0  # frames the classifier saw (catch-up included)
        self._t0: float | None = None
        self.echo = EchoBound(c.echo, silent_dbfs=c.agent_silent_dbfs)
        # With an echo canceller in front: the leftover's bound, against the echo it predicted.
        self.leftover = EchoBound(c.leftover_echo or EchoConfig(adapt=False),
                                  silent_dbfs=c.agent_silent_dbfs)
        self._left: CancelledEcho | None = None  # the frame being classified, if cancelled
        self._left_levels = RecentLevels(c.floor_window_ms // 20)  # what the canceller left
        self._reset_state()

    # -- public ------------------------------------------------------------------------------
    def reset(self) -> None:
        self.classifier.reset()
        if self._resampler is not None:
            self._resampler.reset()
        self._pending = np.zeros(0, np.int16)
        self._history.clear()
        self._unscored.clear()
        self._levels.clear()
        self._reset_state()

    @property
    def state(self) -> TurnState:
        return self._state

    @property
    def noise_floor_dbfs(self) -> float:
        return self._floor

    def process(self, frame: AudioFrame, agent_frame: AudioFrame | None = None,
                cancelled: CancelledEcho | None = None) -> list[TurnEvent]:
        """Feed one guest frame (any supported rate) as the line carried it; returns the turn
        events it completed. `cancelled`: the same frame's levels through an echo canceller."""
        self._left = cancelled
        if self._t0 is None:
            self._t0 = frame.timestamp
        samples = self._to_vad_rate(frame)
        agent_db = level_dbfs(agent_frame.samples) if agent_frame is not None else -120.0
        agent_bands = None
        if agent_frame is not None and self.echo.wants_bands(agent_db):
            agent_bands = band_levels(agent_frame.samples, agent_frame.sample_rate)
        events: list[TurnEvent] = []
        if samples.size:
            self._pending = np.concatenate([self._pending, samples]) if self._pending.size \
                else samples
        while self._pending.size >= VAD_FRAME_SAMPLES:
            chunk = self._pending[:VAD_FRAME_SAMPLES]
            self._pending = self._pending[VAD_FRAME_SAMPLES:]
            events.extend(self._step(chunk, agent_db, agent_bands))
        return events

    def end_turn_if_paused(self) -> SpeechEnded | None:
        """End the turn now if the guest is still in a pause of at least `pause_ms` (the engine
        judged the turn complete); None if there is no turn or the guest spoke again since."""
        c = self.config
        if self._state is not TurnState.SPEAKING or c.pause_ms <= 0:
            return None
        if (self._index - 1 - self._last_speech) * 20 < c.pause_ms:
            return None
        return self._end_turn()

    # -- internals ---------------------------------------------------------------------------
    def _reset_state(self) -> None:
        self._state = TurnState.IDLE
        self._t0 = None
        self._index = 0  # 20 ms frames at 16 kHz since the stream began
        self._floor = self.config.floor_initial_dbfs
        self._gate = self.config.floor_gate_db
        self._turn_peak = -120.0
        self.echo.reset()
        self.leftover.reset()
        self._left = None
        self._left_resets = 0
        self._left_over = False  # the frame before was over the leftover's bound
        self._left_levels.clear()
        self._left_floor = self.config.floor_initial_dbfs
        self._onset = 0
        self._last_speech = 0
        self._speech_frames = 0
        self._run = 0  # consecutive speech frames while not in a turn
        self._loud_run = 0  # consecutive frames loud enough for a level candidate
        self._last_loud = -(10**9)  # last such frame
        self._level_loud = False  # the frame just classified is one
        self._exclude_next = 0  # frames after a level candidate's frame kept out of the echo fit
        self._candidate = False  # a SpeechCandidate is open (not yet started or dropped)
        self._turn: list[PCM16] = []
        self.last_probability = 0.0
        self._gate_open_at = -(10**9)  # last frame the level and echo gates let through

    def _to_vad_rate(self, frame: AudioFrame) -> PCM16:
        if frame.sample_rate == VAD_RATE:
            return frame.samples
        if self._resampler is None or self._resampler.in_rate != frame.sample_rate:
            self._resampler = StreamResampler(frame.sample_rate, VAD_RATE)
        return self._resampler.process(frame.samples)

    def _time(self, index: int) -> float:
        return (self._t0 or 0.0) + index * FRAME_S

    def _is_speech(self, chunk: PCM16, agent_db: float, agent_bands: Levels | None) -> bool:
        c = self.config
        level = level_dbfs(chunk)
        self._track_floor(level)
        loud = level >= c.min_level_dbfs and level >= self._floor + self._gate
        if self._state is TurnState.SPEAKING:  # a turn ends when only background is left
            self._turn_peak = max(level, self._turn_peak - c.turn_peak_decay_db_per_frame)
            loud = loud and level >= self._turn_peak - c.turn_dynamic_db
        elif self._index * 20 < c.warmup_ms:  # no floor yet: don't start on the line's noise
            loud = False
        mic_bands = band_levels(chunk, VAD_RATE) if agent_bands is not None else None
        bound = self.echo.bound(agent_db, level, self._floor, agent_bands, mic_bands)
        echo_ok = level >= bound or (loud and mic_bands is not None and self.echo.over_in_bands())
        left = self._left if c.leftover_echo is not None else None
        self._left = None  # one frame's levels for one chunk
        over = False
        if left is not None:  # or over what the canceller left of the echo
            if left.resets != self._left_resets:  # a new filter: what was learnt is void
                self._left_resets = left.resets
                self.leftover.reset()
            floor = self._track_left_floor(left.left_dbfs)
            # The classifier hears the line as it came: only where the guest is most of it
            # is its verdict the guest's, not the echo's (a cough under a loud echo).
            over = (self.leftover.over(left.echo_dbfs, left.left_dbfs, floor)
                    and left.left_dbfs >= level - c.leftover_share_db)
            # Two frames running: a frame the filter missed now and then is not a guest.
            echo_ok = echo_ok or (over and self._left_over)
        self._left_over = over
        self._level_loud = (c.level_candidate_db > 0 and loud and self._state is not
                            TurnState.SPEAKING and level >= max(self._floor + self._gate, bound)
                            + c.level_candidate_db)
        if self._level_loud:  # the guest's sound, with its edges: not evidence of the echo
            self._exclude(1 + SOUND_EDGE_FRAMES, left is not None)
            self._exclude_next = SOUND_EDGE_FRAMES
        elif self._exclude_next > 0:
            self._exclude_next -= 1
            self._exclude(1, left is not None)
        if loud and not echo_ok:
            self.echo_gated_frames += 1
        if c.skip_quiet_frames and level < c.min_level_dbfs:
            # Near-silence cannot be speech: save the classifier's CPU.
            if self.cascade and self._agent_heard():
                self._unscored.append(chunk)  # but let it hear the line before a cut-in
            self.last_probability = 0.0
            return False
        if self.cascade:
            if loud and echo_ok:
                self._gate_open_at = self._index
            elif (self._index - self._gate_open_at) * 20 > c.classifier_hold_ms:
                # The answer cannot matter: keep the frame for a later catch-up instead.
                self._unscored.append(chunk)
                self.last_probability = 0.0
                return False
            self._catch_up()
        stride = 1
        if (self.cascade and self.last_probability >= c.settled_probability
                and self._gate <= c.floor_gate_db):  # no fluctuating noise (babble)
            if self._state is TurnState.SPEAKING:
                if self._turn_peak - self._floor >= c.settled_snr_db:
                    stride = c.settled_stride
            elif self._candidate and level - self._floor >= c.settled_snr_db:
                stride = c.pending_stride
        self.classifier.stride = stride
        prob = self.classifier.speech_probability(chunk)
        self.classified_frames += 1
        self.last_probability = prob
        threshold = c.continue_threshold if self._state is TurnState.SPEAKING else c.threshold
        speech = prob >= threshold and loud and echo_ok
        if speech:
            self._exclude(1, left is not None)  # the guest's voice says nothing about the echo
        return speech

    def _exclude(self, frames: int, cancelled: bool) -> None:
        """Keep the frame just classified (and `frames - 1` before it) out of the echo fits."""
        self.echo.exclude_last(frames)
        if cancelled:
            self.leftover.exclude_last(frames)

    def _agent_heard(self) -> bool:
        """`quiet_frames_while_agent` and the agent has been heard lately. Quiet frames are then
        kept for the classifier's catch-up (not scored) rather than dropped, so that it hears
        the line before a sound instead of scoring it straight after stale context (the echo,
        or the last sound). Off by default: it halves false pauses but delays real-time cut-ins
        on echo-free lines (silero answers sooner from the stale context); docs/barge-in.md."""
        c = self.config
        return c.quiet_frames_while_agent and self.echo.hold > c.agent_silent_dbfs

    def _catch_up(self) -> None:
        """Feed the classifier what it was not shown since it last ran (a recurrent model
        must hear the stream continuously), or after a longer rest the latest
        `classifier_catch_up_ms` of it. (Starting it afresh there was worse in loud white
        noise: start error 306 ms vs 233 on one corpus, bench/vad_eval.py.)"""
        if not self._unscored:
            return
        self.classifier.stride = 1
        for old in self._unscored:
            self.classifier.speech_probability(old)
            self.classified_frames += 1
        self._unscored.clear()

    def _track_left_floor(self, level: float) -> float:
        """The cancelled line's noise floor (a low percentile of its recent levels, as the
        line's own): the leftover's, which a reverberant echo does not raise."""
        c = self.config
        levels = self._left_levels
        levels.add(level)
        if levels.seen % c.floor_update_every == 0 and (
                low := levels.percentiles(c.floor_percentile)) is not None:
            self._left_floor = low[0]
        return self._left_floor

    def _track_floor(self, level: float) -> None:
        """Noise floor = a low percentile of recent frame levels (minimum-statistics style).

        It follows the line's noise up and down whatever the classifier says, so a lobby's
        babble (which classifiers call speech) raises the bar instead of holding a turn open.
        Fluctuating noise (babble) also widens the gate by its spread (p30 - p10, low enough
        that speech frames rarely reach it) beyond a knee that steady and pink noise stay under.
        """
        c = self.config
        self._levels.add(level)
        if self._index % c.floor_update_every == 0 and (
                ranked := self._levels.percentiles(c.floor_percentile,
                                                   c.spread_percentile)) is not None:
            low, mid = ranked
            self._floor = low
            spread = c.spread_gate_factor * max(0.0, mid - low - c.spread_knee_db)
            self._gate = c.floor_gate_db + min(spread, c.spread_gate_max_db)

    def _step(self, chunk: PCM16, agent_db: float, agent_bands: Levels | None
              ) -> list[TurnEvent]:
        c = self.config
        index = self._index
        self._index += 1
        self.frames_processed += 1
        speech = self._is_speech(chunk, agent_db, agent_bands)
        events: list[TurnEvent] = []
        if self._state is TurnState.SPEAKING:
            self._turn.append(chunk)
            if speech:
                self._last_speech = index
            silent_ms = (index - self._last_speech) * 20
            too_long = (index - self._onset) * 20 >= c.max_turn_ms
            if silent_ms >= c.hangover_ms or too_long:
                events.append(self._end_turn())
            elif c.pause_ms > 0 and silent_ms >= c.pause_ms and silent_ms % c.pause_ms < 20:
                events.append(SpeechPaused(at=self._time(self._last_speech + 1),
                                           silent_ms=silent_ms))
            return events
        self._history.append(chunk)
        if self._level_loud:
            self._loud_run += 1
            self._last_loud = index
        else:
            self._loud_run = 0
        if speech:
            if self._state is TurnState.IDLE:
                self._state = TurnState.PENDING
                self._onset = index
                self._speech_frames = 0
            self._speech_frames += 1
            self._run += 1
            self._last_speech = index
            if self._speech_frames * 20 >= c.min_speech_ms:
                events.append(self._start_turn(index))
                return events
        else:
            self._run = 0
            if self._state is TurnState.PENDING and (index - self._last_speech) * 20 > c.max_gap_ms:
                self._state = TurnState.IDLE
        run = max(self._run, self._loud_run)
        if not self._candidate and 0 < c.candidate_ms <= run * 20:
            self._candidate = True
            events.append(SpeechCandidate(at=self._time(index - run + 1)))
        elif self._candidate and self._state is TurnState.IDLE:
            # Dropped once neither the classifier nor the level has backed it for max_gap_ms.
            last = max(self._last_speech, self._last_loud)
            if (index - last) * 20 > c.max_gap_ms:
                self._candidate = False
                events.append(CandidateDropped(at=self._time(last + 1)))
        return events

    def _start_turn(self, index: int) -> SpeechStarted:
        keep = index - self._onset + 1 + self._pre_roll_frames
        self._turn = list(self._history)[-keep:]
        self._history.clear()
        self._state = TurnState.SPEAKING
        self._run = 0
        self._loud_run = 0
        self._candidate = False
        self._turn_peak = max(level_dbfs(f) for f in self._turn[-(index - self._onset + 1):])
        return SpeechStarted(at=self._time(self._onset))

    def _end_turn(self) -> SpeechEnded:
        c = self.config
        first_index = self._index - len(self._turn)  # index of the turn's first kept frame
        end_index = min(self._index, self._last_speech + 1 + c.tail_ms // 20)
        frames = self._turn[: end_index - first_index]
        audio = np.concatenate(frames) if frames else np.zeros(0, np.int16)
        event = SpeechEnded(
            started_at=self._time(self._onset),
            ended_at=self._time(self._last_speech + 1),
            audio=audio,
            sample_rate=VAD_RATE,
        )
        self._turn = []
        self._state = TurnState.IDLE
        return event
