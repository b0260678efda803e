"""Acoustic echo cancellation: takes the agent's echo out of the guest's audio.

A caller on a speakerphone (or a line that returns the agent's voice) sends the agent's words
back inside the guest's audio. When the guest cuts in, the recognizer then hears the agent
under the guest's first words (12 dB echo: 10 % of words wrong on cut-in lines, 4 % with the
echo cancelled; bench/echo_cancel.py). The bridge gives the cancelled audio to the engine, the
recording and staff listening in; turn detection keeps the raw line, whose echo its gate is
fitted to, and gets each frame's `CancelledEcho` levels beside it (media/bridge.py). Browsers
cancel their own echo; this is for phone calls (`FRONTDESK_ECHO_CANCEL`).

The filter is a partitioned-block frequency-domain NLMS (overlap-save, one 20 ms block per
partition, gradient constrained every frame), modelling `tail_ms` of echo path: the line's
round trip plus the room. After its first 2 s of the agent (a fixed step: it knows nothing
yet), its step per frequency bin shrinks with the ratio of the echo it predicts to what is left
after cancelling, so while the guest talks over the agent (double talk) the filter hardly moves
and the guest's voice is not learnt as echo. A filter that diverges (its output louder than its
input) is reset.

The reference is every frame the playout sent to the guest (`reference()`, the playout's
tap), queued and taken a frame per guest frame: a guest frame that arrives before its share
of the reference gets silence and the reference runs that much later from then on, so the
queue settles to the jitter between pulls and arrivals (a jitter buffer) and the alignment
the filter has learnt holds.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from media.frames import AudioFrame, rms_dbfs, samples_per_frame
from media.resample import ToRate

log = logging.getLogger(__name__)

Float = npt.NDArray[np.float64]
Complex = npt.NDArray[np.complex128]

_SMOOTH = 0.9  # per-frame smoothing of the bins' power estimates
_EARLY_FRAMES = 100  # frames of agent speech adapted at the full step, before the ratio rule
_EARLY_STEP = 0.5  # step factor over those frames: the filter knows nothing yet
# Frames of agent speech adapted before the filter's prediction is reported (`last`): its
# fixed-step start, whose leftover comes near the prediction and would keep the detector's
# fit of it strict while the fit's window holds those frames (docs/barge-in.md).
_REPORT_AFTER = _EARLY_FRAMES
_MIN_STEP = 0.02  # step factor floor afterwards (slow learning even while the guest talks)
_FLOOR_RMS = 30.0  # a level that counts as silence (-61 dBFS): line, and regularisation
_MAX_LAG_S = 1.0  # reference kept ahead of the guest at most (beyond: re-aligned)
_DIVERGE_SMOOTH = 0.98  # output and input energies compared over ~1 s ...
_DIVERGED = 4.0  # ... and the filter reset when the output is 6 dB louder than its input


@dataclass(frozen=True, slots=True)
class CancelledEcho:
    """One guest frame as the canceller left it: the level of the echo it predicted and took
    out, and of what is left (the guest, and the echo the filter missed); `resets`, the filter's
    resets so far (a new count: a new filter, whose leftover is not the old one's). The turn
    detector learns how far under the prediction the leftover stays (`VadConfig.leftover_echo`)
    and lets the guest's first sounds over it through, while the raw line's echo would hold
    them back (docs/barge-in.md)."""

    echo_dbfs: float
    left_dbfs: float
    resets: int


class EchoCanceller:
    """Cancels the echo of `reference()` frames in `process()` frames (the guest's, at `rate`).

    Not thread-safe: the bridge calls both on the event loop."""

    def __init__(self, rate: int, *, tail_ms: float = 400.0, step: float = 0.5) -> None:
        self.rate = rate
        self.n = samples_per_frame(rate)
        self.partitions = max(1, int(np.ceil(tail_ms * rate / 1000.0 / self.n)))
        self.step = step
        bins = self.n + 1
        self._w: Complex = np.zeros((self.partitions, bins), np.complex128)
        self._x: Complex = np.zeros((self.partitions, bins), np.complex128)
        self._x_tail: Float = np.zeros(self.n)  # the previous reference block (overlap-save)
        self._pxx: Float = np.zeros(bins)
        self._pe: Float = np.zeros(bins)
        self._py: Float = np.zeros(bins)
        self._delta = 2 * self.n * _FLOOR_RMS**2
        self._adapted = 0  # frames adapted so far
        self._mic_energy = 0.0
        self._out_energy = 0.0
        self._quiet = self.partitions  # frames since the reference last had sound
        # The reference timeline: samples pulled so far and those the guest has used.
        self._ref: deque[Float] = deque()
        self._ref_samples = 0
        self._to_rate = ToRate(rate)
        self.frames = 0  # guest frames processed
        self.cancelled_frames = 0  # of which the filter ran (agent heard lately, line not quiet)
        self.resets = 0  # divergences
        self.realigned = 0  # times the reference ran more than `_MAX_LAG_S` ahead
        # The last frame's predicted echo and leftover; None where the filter did not run or
        # has adapted for less than `_REPORT_AFTER` frames (its prediction says little yet).
        self.last: CancelledEcho | None = None

    def reference(self, frame: AudioFrame) -> None:
        """A frame the guest was sent (any supported rate)."""
        samples = self._to_rate.process(frame.samples, frame.sample_rate)
        if samples.size:
            self._ref.append(samples.astype(np.float64))
            self._ref_samples += samples.size
        if self._ref_samples > _MAX_LAG_S * self.rate:  # the guest's frames stopped coming
            while len(self._ref) > 2:
                self._ref_samples -= self._ref.popleft().size
            self.realigned += 1

    def _next_reference(self) -> Float:
        """The guest frame's share of the reference: the next `n` samples queued (zeros for
        any the playout has not sent yet)."""
        out = np.zeros(self.n)
        filled = 0
        while self._ref and filled < self.n:
            chunk = self._ref[0]
            take = min(self.n - filled, chunk.size)
            out[filled:filled + take] = chunk[:take]
            filled += take
            if take == chunk.size:
                self._ref.popleft()
            else:
                self._ref[0] = chunk[take:]
        self._ref_samples -= filled
        return out

    def process(self, frame: AudioFrame) -> AudioFrame:
        """The guest's frame with the agent's echo taken out (the same frame while the agent
        has been silent for the whole modelled tail, while the line is at -61 dBFS or under, or
        for frames of another size)."""
        self.frames += 1
        self.last = None
        if frame.sample_rate != self.rate or frame.samples.size != self.n:
            return frame
        ref = self._next_reference()
        self._quiet = 0 if np.any(ref) else self._quiet + 1
        if self._quiet >= self.partitions:  # nothing of the agent within the tail: no echo
            if self._quiet == self.partitions:
                self._x[:] = 0.0  # the blocks the filter would have shifted in
            self._x_tail = ref
            return frame
        block = np.fft.rfft(np.concatenate((self._x_tail, ref)))
        self._x_tail = ref
        self._x = np.roll(self._x, 1, axis=0)
        self._x[0] = block
        mic = frame.samples.astype(np.float64)
        if float(np.dot(mic, mic)) < self.n * _FLOOR_RMS**2:
            return frame  # the line is quiet: no echo to take out, nothing to learn
        self.cancelled_frames += 1
        error = self._filter(mic)
        out = np.clip(np.rint(error), -32768, 32767).astype(np.int16)
        return AudioFrame(out, frame.sample_rate, frame.timestamp)

    def _filter(self, mic: Float) -> Float:
        echo = np.fft.irfft(np.sum(self._w * self._x, axis=0))[self.n:]
        error = mic - echo
        a = _DIVERGE_SMOOTH
        self._mic_energy = a * self._mic_energy + (1 - a) * float(np.dot(mic, mic))
        self._out_energy = a * self._out_energy + (1 - a) * float(np.dot(error, error))
        if self._out_energy > _DIVERGED * self._mic_energy + self._delta:
            self._reset()  # diverged: start again rather than add to the guest's audio
            return mic
        if self._adapted >= _REPORT_AFTER:
            self.last = CancelledEcho(rms_dbfs(echo), rms_dbfs(error), self.resets)
        if self._quiet == 0:
            self._adapt(error, echo)
        return error

    def _adapt(self, error: Float, echo: Float) -> None:
        n = self.n
        zeros = np.zeros(n)
        e_spec = np.fft.rfft(np.concatenate((zeros, error)))
        y_spec = np.fft.rfft(np.concatenate((zeros, echo)))
        a = _SMOOTH
        self._pxx = a * self._pxx + (1 - a) * np.sum(np.abs(self._x) ** 2, axis=0) / self.partitions
        self._pe = a * self._pe + (1 - a) * np.abs(e_spec) ** 2
        self._py = a * self._py + (1 - a) * np.abs(y_spec) ** 2
        if self._adapted < _EARLY_FRAMES:
            factor: Float | float = _EARLY_STEP
        else:  # the share of what is left that the filter explains: ~0 while the guest talks
            factor = np.maximum(np.clip(self._py / (self._pe + 1e-9), 0.0, 1.0), _MIN_STEP)
        self._adapted += 1
        gain = self.step * factor * e_spec / (self.partitions * (self._pxx + self._delta))
        w = np.fft.irfft(self._w + np.conj(self._x) * gain, axis=1)
        w[:, n:] = 0.0  # the gradient constraint: a linear (not circular) convolution
        self._w = np.fft.rfft(w, axis=1)

    def _reset(self) -> None:
        self.resets += 1
        if self.resets == 1 or self.resets % 100 == 0:
            log.info("echo canceller diverged; reset (%d so far)", self.resets)
        self._w[:] = 0.0
        self._pe[:] = 0.0
        self._py[:] = 0.0
        self._adapted = 0
        self._mic_energy = self._out_energy = 0.0
