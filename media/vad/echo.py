"""`EchoBound`: how loud the agent's echo can be on this call, learnt from the call itself.

While the agent talks, a guest frame counts as speech only if it is louder than the agent's echo
could be. Without knowledge of the line that bound must be conservative: the agent's level,
held with a slow decay to cover any echo delay, minus an assumed return loss (`return_loss_db`)
plus a margin. That bound is what makes a barge-in's quiet first consonants wait.

Here the detector's own levels teach the line's echo path. Per 20 ms frame it records the
agent's (reference) level and the guest side's (mic) level; every `fit_every_ms` it fits,
over the last `fit_window_ms` (~5 s), which reference frames the echo follows: for each delay
of 0 to `fit_max_delay_ms` (one frame, or the mean power of two neighbours for a delay between
frames), the residual `mic - reference` over frames where the echo can be measured. The delay whose
residual varies least is the one the echo follows. Its `fit_percentile` (99th) residual is the
line's worst-case echo level relative to the reference (minus its return loss, clamped to
[`loss_min_db`, `loss_max_db`]); the bound is the reference at that delay, minus that loss,
plus `fit_margin_db`. On a line whose echo follows the agent closely this is ~10 dB below the
fallback's bound, which is what lets a cut-in's quiet first consonants through.

Safety: the fallback applies until `fit_min_frames` frames support a fit, and whenever the best
delay's residual spreads more than `fit_max_spread_db` (percentile minus mean: nothing on the line
follows the agent closely enough to be predicted). Where that fallback is itself seen not to hold
(an echo frame in the window came within 1 dB of it) and the rejected fit spread no more than
`guard_max_spread_db`, the rejected fit still guards it: the bound is the stricter of the two (a
speakerphone in a room over a phone line, whose echo fit spreads a little over 6 dB and whose echo
tail rises over the fallback where the agent's level drops). Where every echo frame in the window
stays 1 dB or more under the fallback's bound, the bound is never stricter than the fallback's
(`fallback_holds`): a poor fit, e.g. when jitter moves the reference, cannot slow barge-in down;
where the echo comes near or over it, the fit alone sets the bound. Frames the detector called
speech, or loud enough for a level candidate (with two frames either side), are left out
(`exclude_last`); other guest sound only raises the residual, i.e. makes the bound stricter. An
echo louder than the fit tightens the bound at the next fit (at most `fit_every_ms` later), through
its frames under the bound + `level_candidate_db`. A frame measures the echo if the mic is
`measurable_db` over the noise floor; if the mic is at the floor while the reference is loud enough
that even a `loss_max_db` echo would show, the frame vouches for at least that loss (a browser that
cancels its echo).

A room's tail (`envelope`, media/vad/echo_envelope.py): where one delay explains the echo only
roughly, the echo is also fitted as a sum over the reference's last frames, and the fit that
spreads less is kept.

Bands (`bands`, media/vad/bands.py): with each level fit, every band's worst-case loss is fitted
too, at the fitted delay against the agent's band level held over a few frames (a room's tail),
so that a frame under the level bound still counts as over the echo when enough bands are over
theirs: a cut-in's quiet "h" or "s" over the echo of the agent's vowel (`over_in_bands`).

Cost: four array writes per frame; a fit (~60 µs) every `fit_every_ms` (twice as often
until the first fit) while the agent has been heard within the window: ~3 µs per frame in all
while the agent talks. The bands add two FFTs per frame, ~8 µs of band test when the level
test fails and ~270 µs per fit: ~40 µs per frame (docs/barge-in.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from media.vad.bands import BANDS, Levels
from media.vad.echo_envelope import EchoEnvelope, fit_envelope

_T = TypeVar("_T", bound=np.generic)
SILENT = -120.0
MEASURED, AT_FLOOR, EXCLUDED = 1, 0, -1  # what a frame's mic level says about the echo


def _power_mean_db(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]
                   ) -> npt.NDArray[np.float64]:
    """The level of the mean power of two levels (an echo straddling two frames)."""
    hi = np.maximum(a, b)
    out: npt.NDArray[np.float64] = hi + 10.0 * np.log10(
        0.5 + 0.5 * np.power(10.0, (np.minimum(a, b) - hi) / 10.0))
    return out


@dataclass(frozen=True, slots=True)
class EchoFit:
    """The echo path the evidence supports: the echo follows the reference `delay` frames late
    (or the mean power of `delay` and `delay + 1` if `pair`), coming back `loss_db` down at
    worst; or `envelope` (media/vad/echo_envelope.py), a sum over the reference's last frames
    that explains a reverberant echo better than one delay, whose main lag is `delay`."""

    delay: int
    pair: bool
    loss_db: float
    spread_db: float
    frames: int
    envelope: EchoEnvelope | None = None  # a reverberant line: the echo sums recent frames


@dataclass(frozen=True, slots=True, eq=False)
class BandFit:
    """Per band (media/vad/bands.py): the worst-case loss of the echo against the agent's
    held band level (and the bound's offset from that level: margin - loss), the level a band
    must reach over the line's own floor, and whether the band's echo was measured well enough
    to be used."""

    loss_db: Levels
    offset_db: Levels
    gate_db: Levels
    usable: npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class EchoConfig:
    """The echo gate's tunables (`VadConfig.echo`); durations in ms, levels in dB.

    Until the call's own audio shows how loud its echo comes back (and always if `adapt` is
    off): the agent's level held with `hold_decay_db_per_frame`, minus `return_loss_db`, plus
    `margin_db`. Once `fit_min_frames` frames support a fit: the reference at the fitted delay,
    minus the worst-case loss seen over the last `fit_window_ms`, plus `fit_margin_db` (capped
    by the fixed bound where the line's echo stays under that). docs/barge-in.md has the
    numbers."""

    return_loss_db: float = 14.0
    margin_db: float = 6.0
    hold_decay_db_per_frame: float = 1.0
    adapt: bool = True
    fit_window_ms: int = 5120
    fit_max_delay_ms: int = 300
    fit_every_ms: int = 1000  # 500 until the first fit
    fit_percentile: float = 99.0
    fit_min_frames: int = 30  # 50 fitted the rig's line only ~2 s into the first answer
    fit_margin_db: float = 3.0
    loss_min_db: float = 6.0
    loss_max_db: float = 40.0
    measurable_db: float = 6.0
    fit_max_spread_db: float = 6.0
    # A fit spreading more than `fit_max_spread_db` but no more than this still guards the
    # fallback where the fallback is seen not to hold (`EchoBound.guard`); 0 = never.
    guard_max_spread_db: float = 12.0
    # Fit only on frames whose reference is this far over the line's floor (0: any reference
    # above silence). A canceller's leftover sits near the floor whatever it predicted, so
    # under this its level says nothing about how far under the prediction it stays.
    min_ref_over_floor_db: float = 0.0
    # `over` only: a frame less than this over the floor has no say (the line's noise over a
    # bound fitted far under a quiet reference).
    min_mic_over_floor_db: float = 0.0
    # Where one delay explains the echo only roughly (a room's tail), also fit it as a sum over
    # the last frames (media/vad/echo_envelope.py) and keep whichever spreads less.
    envelope: bool = True
    # tried where one delay's residual spreads more (a room: 5.5-7.5 dB; a reference that
    # wanders by a frame: ~3, where the sum over-fitted and paused on the echo now and then)
    envelope_above_spread_db: float = 4.0
    envelope_margin_db: float = 4.5  # its residual's tail is longer than one delay's
    # The bands (media/vad/bands.py): once the level fit holds, each band's worst-case loss is
    # fitted too, against the agent's band level held over `band_hold_frames` at the fitted
    # delay (decaying `band_hold_decay_db` per frame: a room's tail); a frame under the level
    # bound still counts as over the echo if `band_min_over` bands are over theirs.
    bands: bool = True
    band_hold_frames: int = 6
    band_hold_decay_db: float = 3.0
    band_min_over: int = 2
    band_silent_dbfs: float = -75.0
    band_floor_percentile: float = 10.0
    band_skip_loss_db: float = 30.0  # an echo this far down: no band levels computed


class EchoBound:
    """Per-call echo bound for the VAD's echo gate (levels in dBFS, one call per 20 ms frame;
    the agent counts as silent at or below `silent_dbfs`)."""

    def __init__(self, config: EchoConfig | None = None, *, silent_dbfs: float = -60.0) -> None:
        c = self.config = config or EchoConfig()
        self.silent_dbfs = silent_dbfs
        self.window = c.fit_window_ms // 20
        self.lags = c.fit_max_delay_ms // 20 + 1
        self.fit_every = max(1, c.fit_every_ms // 20)
        self.reset()

    def reset(self) -> None:
        size = self.window + self.lags
        # Rings of the latest `size` frames (the write cursor is the oldest slot).
        self._ref = np.full(size, SILENT)
        self._ref_power = np.zeros(size)  # the reference as power (0 when silent)
        self._mic = np.full(size, SILENT)
        self._held = np.full(size, SILENT)  # the fallback's held reference
        self._kind = np.zeros(size, np.int8)  # MEASURED, AT_FLOOR or EXCLUDED
        self._cursor = 0
        self._last = 0
        self._size = size
        # lagged[j, i]: the reference j frames before mic frame i (oldest frame first); the
        # model rows index [reference series, pair series] (see _refit)
        lagged = ((self.lags - 1 + np.arange(self.window + 1))[None, :]
                  - np.arange(self.lags)[:, None])
        self._model_index = np.concatenate((lagged, lagged[:-1] + size))
        self._recent_index = -np.arange(self.lags)  # the last `lags` frames, newest first
        self._since_fit = 0
        self._agent_recent = size  # frames since the reference was last above silence
        self.hold = SILENT
        self.fit: EchoFit | None = None
        self.fallback_holds = False  # the line's echo stays under the fallback's bound
        # A fit that spread too much to be used, kept where the fallback is seen not to hold:
        # its worst case still bounds the echo, so the bound is never laxer than that.
        self.guard: EchoFit | None = None
        self.fits = 0
        # Band levels per frame (rings beside the levels'); a frame without them reads silent.
        self._ref_bands = np.full((size, BANDS), SILENT)
        self._mic_bands = np.full((size, BANDS), SILENT)
        self._hold_back = -np.arange(self.config.band_hold_frames)
        self._band_step = -self.config.band_hold_decay_db * self._hold_back[:, None]
        self.band_fit: BandFit | None = None

    @property
    def loss_db(self) -> float:
        """The return loss the bound assumes now."""
        return self.fit.loss_db if self.fit is not None else self.config.return_loss_db

    def wants_bands(self, ref_db: float) -> bool:
        """Whether `bound` can use band levels for a frame whose reference is at `ref_db`: the
        agent is or has lately been heard, and the line is not known to carry almost no echo
        (a fit `band_skip_loss_db` or more down, e.g. a browser that cancels its own echo: the
        level bound is then under the noise gate and the bands would cost CPU for nothing)."""
        c = self.config
        if not (c.bands and c.adapt):
            return False
        if self.fit is not None and self.fit.loss_db >= c.band_skip_loss_db:
            return False
        return ref_db > self.silent_dbfs or self._agent_recent < self._size

    def bound(self, ref_db: float, mic_db: float, floor_db: float,
              ref_bands: Levels | None = None, mic_bands: Levels | None = None) -> float:
        """Record one frame (with its band levels, if `wants_bands`); the level a guest frame
        must reach to be louder than any echo (-120 when the agent has been silent long enough
        that no echo can be on the line). `over_in_bands` then says whether the frame is over
        the echo in enough bands even if not in level."""
        self.hold = max(ref_db, self.hold - self.config.hold_decay_db_per_frame)
        if not self.config.adapt:
            return self._fallback()
        c = self._cursor
        self._ref[c] = ref_db
        self._ref_power[c] = 10.0 ** (ref_db / 10.0) if ref_db > self.silent_dbfs else 0.0
        self._mic[c] = mic_db
        self._ref_bands[c] = SILENT if ref_bands is None else ref_bands
        self._mic_bands[c] = SILENT if mic_bands is None else mic_bands
        self._held[c] = self.hold
        self._kind[c] = MEASURED if mic_db >= floor_db + self.config.measurable_db else AT_FLOOR
        self._last = c
        self._cursor = c + 1 if c + 1 < self._size else 0
        self._agent_recent = 0 if ref_db > self.silent_dbfs else self._agent_recent + 1
        if self._agent_recent < self._size:  # the window still holds some agent speech
            self._since_fit += 1
            # Twice as often until a first fit: the bound is then still the fallback's.
            if self._since_fit >= (self.fit_every if self.fit is not None else self.fit_every // 2):
                self._since_fit = 0
                self._refit(floor_db)
        fit = self.fit
        if fit is None:
            if self.guard is not None:
                return max(self._fallback(), self._fitted_bound(self.guard, c))
            return self._fallback()
        bound = self._fitted_bound(fit, c)
        if self.fallback_holds and self.hold > self.silent_dbfs:
            bound = min(bound, self._fallback())  # never stricter than a fixed bound that holds
        return bound

    def _fitted_bound(self, fit: EchoFit, c: int) -> float:
        """`fit`'s bound for the frame recorded at ring slot `c`."""
        if fit.envelope is not None:
            recent = self._ref_power[self._recent_index + c]  # newest first, wrapping round
            return SILENT if not recent.any() else (
                fit.envelope.level_db(recent) + fit.envelope.offset_db
                + self.config.envelope_margin_db)
        ref = float(self._ref[c - fit.delay])  # negative indices wrap round the ring
        if fit.pair:
            older = float(self._ref[c - fit.delay - 1])
            hi, lo = (ref, older) if ref >= older else (older, ref)
            ref = hi + 10.0 * math.log10(0.5 + 0.5 * 10.0 ** ((lo - hi) / 10.0))
        return SILENT if ref <= self.silent_dbfs else ref - fit.loss_db + self.config.fit_margin_db

    def over(self, ref_db: float, mic_db: float, floor_db: float) -> bool:
        """Record one frame (as `bound`); whether it is over the fitted bound. With no fit, a
        reference under `min_ref_over_floor_db` over the floor or a frame under
        `min_mic_over_floor_db` over it, it has no say: False."""
        bound = self.bound(ref_db, mic_db, floor_db)
        c = self.config
        return (self.fit is not None and mic_db >= bound
                and ref_db >= floor_db + c.min_ref_over_floor_db
                and mic_db >= floor_db + c.min_mic_over_floor_db)

    def over_in_bands(self) -> bool:
        """The frame just recorded is over the echo's band bound in `band_min_over` bands (its
        level may still be under the level bound: a quiet consonant over the echo of a vowel)."""
        fit, bands = self.fit, self.band_fit
        if fit is None or bands is None:
            return False
        c = self.config
        back = self._hold_back + (self._last - fit.delay)
        back %= self._size
        held = np.max(self._ref_bands[back] - self._band_step, axis=0)
        bound = held + bands.offset_db
        bound[held <= c.band_silent_dbfs] = SILENT
        np.maximum(bound, bands.gate_db, out=bound)
        over = self._mic_bands[self._last] >= bound
        over &= bands.usable
        return int(np.count_nonzero(over)) >= c.band_min_over

    def exclude_last(self, frames: int = 1) -> None:
        """The frame just recorded (and the `frames - 1` before it) was the guest's sound, not
        echo: keep it out of the fit."""
        if self.config.adapt:
            for back in range(min(frames, self._size)):
                self._kind[self._last - back] = EXCLUDED  # negative indices wrap round the ring

    def _fallback(self) -> float:
        if self.hold <= self.silent_dbfs:
            return SILENT
        return self.hold - self.config.return_loss_db + self.config.margin_db

    def _oldest_first(self, ring: npt.NDArray[_T]) -> npt.NDArray[_T]:
        """A copy of one of the rings, its oldest frame first."""
        c = self._cursor
        return np.concatenate((ring[c:], ring[:c]))

    def _refit(self, floor_db: float) -> None:
        """Fit delay and worst-case loss over the window (see the module docstring)."""
        self.fits += 1
        ref = self._oldest_first(self._ref)
        lead = self.lags - 1  # the first frames only serve as references
        mic = self._oldest_first(self._mic)[lead:]
        kind = self._oldest_first(self._kind)[lead:]
        # rows: delays 0..L-1, then the mean power of delays (0, 1) .. (L-2, L-1), both taken
        # from one series: the reference, then each frame's power mean with the one before
        paired = np.empty_like(ref)
        paired[0] = SILENT
        paired[1:] = _power_mean_db(ref[1:], ref[:-1])
        refs = np.concatenate((ref, paired))[self._model_index]
        used = (refs > max(self.silent_dbfs, floor_db + self.config.min_ref_over_floor_db)) & (
            kind == MEASURED)
        residual = mic - refs
        # Mic at the floor though an echo `max_loss_db` down would show: "at least that loss".
        vouching = floor_db + self.config.measurable_db + self.config.loss_max_db
        if ref.max() >= vouching and np.any(kind == AT_FLOOR):
            vouched = (refs >= vouching) & (kind == AT_FLOOR)
            np.copyto(residual, -self.config.loss_max_db, where=vouched)
            used |= vouched
        np.copyto(residual, 0.0, where=~used)
        counts = np.count_nonzero(used, axis=1)
        # Does every echo frame stay 1 dB or more under the fallback's bound on this line?
        held = self._oldest_first(self._held)[lead:]
        under = held > self.silent_dbfs
        under &= kind == MEASURED
        self.fallback_holds = False
        if np.count_nonzero(under) >= self.config.fit_min_frames:
            worst = float(np.max((mic - held)[under]))
            self.fallback_holds = worst < self.config.margin_db - self.config.return_loss_db - 1.0
        n = np.maximum(counts, 1)
        mean = residual.sum(axis=1) / n
        variance = (residual * residual).sum(axis=1) / n - mean * mean
        # The delay the echo follows most closely: its residual varies least.
        best = int(np.argmin(np.where(counts >= self.config.fit_min_frames, variance, np.inf)))
        self.guard = None
        if counts[best] < self.config.fit_min_frames:
            self.fit = self.band_fit = None
            return
        row = np.sort(residual[best][used[best]])
        top = float(row[int((row.size - 1) * self.config.fit_percentile / 100)])
        spread = top - float(mean[best])
        loss = min(max(-top, self.config.loss_min_db), self.config.loss_max_db)
        self.fit = EchoFit(delay=best % self.lags, pair=best >= self.lags, loss_db=loss,
                           spread_db=spread, frames=int(counts[best]))
        if spread > self.config.envelope_above_spread_db:  # one delay explains it only roughly
            envelope = self._fit_envelope(mic, kind)
            if envelope is not None and envelope.spread_db < spread:
                self.fit = envelope
        if self.fit.spread_db > self.config.fit_max_spread_db:
            if not self.fallback_holds and self.fit.spread_db <= self.config.guard_max_spread_db:
                self.guard = self.fit
            self.fit = None
        if self.fit is None:  # nothing explains it: keep the fallback
            self.band_fit = None
            return
        self.band_fit = self._fit_bands(self.fit.delay, kind) if self.config.bands else None

    def _fit_envelope(self, mic: npt.NDArray[np.float64], kind: npt.NDArray[np.int8]
                      ) -> EchoFit | None:
        """The echo as a sum over the reference's last frames (a room's tail), for a line one
        delay explains only roughly (media/vad/echo_envelope.py); None if off, or if the sum
        does not explain it either."""
        if not self.config.envelope:
            return None
        ref_power = self._oldest_first(self._ref_power)
        lagged = ref_power[self._model_index[: self.lags]].T  # [mic frame, lag]
        envelope = fit_envelope(lagged, mic, (kind != EXCLUDED) & lagged.any(axis=1),
                                kind == MEASURED, min_frames=self.config.fit_min_frames,
                                percentile=self.config.fit_percentile,
                                max_spread_db=max(self.config.fit_max_spread_db,
                                                  self.config.guard_max_spread_db))
        if envelope is None:
            return None
        return EchoFit(delay=envelope.main_delay, pair=False, loss_db=envelope.loss_db,
                       spread_db=envelope.spread_db, frames=envelope.frames, envelope=envelope)

    def _fit_bands(self, delay: int, kind: npt.NDArray[np.int8]) -> BandFit | None:
        """Each band's worst-case loss against the agent's held band level at `delay`, over the
        frames where the level fit measured the echo and the band shows over its floor."""
        c = self.config
        ref = self._oldest_first(self._ref_bands)
        lead = self.lags - 1
        mic = self._oldest_first(self._mic_bands)[lead:]
        frames = mic.shape[0]
        back = (lead - delay + np.arange(frames))[:, None] - np.arange(c.band_hold_frames)
        held = np.max(ref[np.maximum(back, 0)] - self._band_step[None], axis=1)
        recorded = np.any(mic > SILENT, axis=1)  # frames that came with band levels
        if np.count_nonzero(recorded) < c.fit_min_frames:
            return None
        gate = np.percentile(mic[recorded], c.band_floor_percentile, axis=0) + c.measurable_db
        used = ((kind == MEASURED) & recorded)[:, None] & (held > c.band_silent_dbfs)
        used &= mic >= gate
        loss = np.full(BANDS, c.loss_min_db)
        usable = np.zeros(BANDS, np.bool_)
        for band in range(BANDS):
            residual = np.sort((mic[:, band] - held[:, band])[used[:, band]])
            if residual.size < c.fit_min_frames:
                continue
            top = float(residual[int((residual.size - 1) * c.fit_percentile / 100)])
            if top - float(residual.mean()) > c.fit_max_spread_db:
                continue
            loss[band] = min(max(-top, c.loss_min_db), c.loss_max_db)
            usable[band] = True
        if np.count_nonzero(usable) < c.band_min_over:
            return None
        return BandFit(loss_db=loss, offset_db=c.fit_margin_db - loss, gate_db=gate,
                       usable=usable)
