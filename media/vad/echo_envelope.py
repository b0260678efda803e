"""`EchoEnvelope`: the echo's level as a sum over the agent's recent frames (a reverberant line).

The echo gate's level fit (media/vad/echo.py) says the echo follows the agent one delay late (or
two neighbouring frames). In a room, or behind a speakerphone, a good part of the echo is the
room's tail: the sum of what the agent said over the last few hundred ms. One delay cannot follow
that, the fit's residual spreads and it is rejected, and the fixed bound then decides: too low
for a 12 dB echo that reverberates (the agent pauses on its own echo) and too high for a quiet
short answer.

Here the echo's power in a frame is modelled as a non-negative sum of the agent's power in the
last `lags` frames plus a constant (the line's floor), fitted by least squares on relative error
(so quiet frames count as much as loud ones) over the level fit's window; the worst-case residual
(`percentile`) over the frames where the echo shows is added on top. EchoBound tries it where
the one-delay fit's residual spreads more than a clean line's, and keeps whichever spreads less.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
SILENT_DB = -120.0
MAX_BIAS_DB = 3.0  # a fit whose mean residual is further off does not describe the echo
_ACTIVE_SET_ROUNDS = 6


def power(db: F64) -> F64:
    """dB levels to linear power."""
    out: F64 = np.power(10.0, db / 10.0)
    return out


@dataclass(frozen=True, slots=True, eq=False)
class EchoEnvelope:
    """Echo power = `gains` . (the agent's power in the last frames, newest first) + `floor`;
    a frame is louder than any echo from `offset_db` over that."""

    gains: F64
    floor: float
    offset_db: float
    spread_db: float
    frames: int

    @property
    def loss_db(self) -> float:
        """The worst-case return loss (all lags together, less the residual's tail): how far
        under a steady agent level the echo comes back at worst, for reports."""
        total = float(self.gains.sum())
        return -10.0 * math.log10(total) - self.offset_db if total > 0 else float("inf")

    @property
    def main_delay(self) -> int:
        """The lag carrying most of the echo."""
        return int(np.argmax(self.gains))

    def level_db(self, recent_power: F64) -> float:
        """The echo level the model expects for the agent's recent powers (newest first);
        `SILENT_DB` if none (the agent spoke only at lags the model gives no weight)."""
        expected = float(np.dot(self.gains, recent_power)) + self.floor
        return 10.0 * math.log10(expected) if expected > 0.0 else SILENT_DB


def fit_envelope(lagged_power: F64, mic_db: F64, fit_rows: npt.NDArray[np.bool_],
                 measured: npt.NDArray[np.bool_], *, min_frames: int, percentile: float,
                 max_spread_db: float) -> EchoEnvelope | None:
    """Fit over frames `fit_rows` (`lagged_power[i, j]`: the agent's power j frames before mic
    frame i); the worst-case residual over `measured` frames. None if there is too little
    evidence, the residual spreads more than `max_spread_db`, or its mean is more than
    `MAX_BIAS_DB` off."""
    rows = fit_rows & measured
    if np.count_nonzero(rows) < min_frames:
        return None
    y = power(mic_db[fit_rows])
    design = np.concatenate((lagged_power[fit_rows], np.ones((y.size, 1))), axis=1)
    design /= y[:, None]  # relative error: each frame's residual counts alike, loud or quiet
    target = np.ones(y.size)
    active = np.ones(design.shape[1], np.bool_)
    solution = np.zeros(design.shape[1])
    for _ in range(_ACTIVE_SET_ROUNDS):  # non-negative: drop the negative terms and refit
        solution[:] = 0.0
        solution[active] = np.linalg.lstsq(design[:, active], target, rcond=None)[0]
        if np.all(solution[active] >= 0.0):
            break
        active &= solution > 0.0
    else:
        return None
    gains, floor = solution[:-1], float(solution[-1])
    if not np.any(gains > 0.0):
        return None
    model = lagged_power[rows] @ gains + floor
    residual = np.sort(mic_db[rows] - 10.0 * np.log10(np.maximum(model, 1e-30)))
    top = float(residual[int((residual.size - 1) * percentile / 100)])
    mean = float(residual.mean())
    if top - mean > max_spread_db or abs(mean) > MAX_BIAS_DB:
        return None  # spreads too much, or misses the level (a model that fits by accident)
    spread = top - mean
    return EchoEnvelope(gains=gains, floor=floor, offset_db=top, spread_db=spread,
                        frames=int(residual.size))
