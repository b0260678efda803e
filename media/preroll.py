"""`PreRoll`: the guest's latest audio while no turn is open, so recognition of a turn can start
just before its onset.

The turn detector confirms a turn only after `min_speech_ms` of speech (longer when the first
syllable is soft or broken by a gap), so a fixed number of frames before `SpeechStarted` can
miss the first phoneme ("what time" heard as "the light"). The buffer keeps `keep_s` of audio
and hands back everything from `lead_s` before the onset the detector reports, reaching further
back (by up to `reach_s`) while the audio there is still clearly above the background: the
detector's onset can fall a syllable late when its classifier hesitates on a soft start.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from media.frames import AudioFrame

# A frame is sound, not background, when it is this much louder than the quiet fifth of the
# buffer (and above an absolute floor, about -60 dBFS, for digitally silent lines).
_ABOVE_BACKGROUND = 10 ** (12 / 20)
_MIN_RMS = 32.0
_QUIET_FRAMES_TO_STOP = 3  # the gap between words inside one onset ("what | time") is shorter


class PreRoll:
    def __init__(self, keep_s: float = 1.2, lead_s: float = 0.25, reach_s: float = 0.3) -> None:
        self.keep_s = keep_s
        self.lead_s = lead_s
        self.reach_s = reach_s
        self._frames: deque[AudioFrame] = deque()
        self._kept_s = 0.0

    def append(self, frame: AudioFrame) -> None:
        self._frames.append(frame)
        self._kept_s += frame.duration_ms / 1000
        while self._frames and self._kept_s - self._frames[0].duration_ms / 1000 >= self.keep_s:
            self._kept_s -= self._frames.popleft().duration_ms / 1000

    def take_from(self, onset: float) -> list[AudioFrame]:
        """The kept frames that end after `onset - lead_s` (stream time), or earlier where the
        sound before that point goes on (see the module docstring); and empty the buffer.

        If the frames' timestamps do not reach the onset (a source without stream time), all
        kept audio is returned: too much leading silence costs less than a lost word."""
        frames = list(self._frames)
        self._frames.clear()
        self._kept_s = 0.0
        if not frames or frames[-1].timestamp + frames[-1].duration_ms / 1000 < onset - self.keep_s:
            return frames
        start = onset - self.lead_s
        first = next((i for i, f in enumerate(frames)
                      if f.timestamp + f.duration_ms / 1000 > start), len(frames))
        return frames[_sound_start(frames, first, start - self.reach_s):]

    def __len__(self) -> int:
        return len(self._frames)


def _sound_start(frames: list[AudioFrame], first: int, limit: float) -> int:
    """Walk back from `frames[first]` over sound (short gaps allowed), not past stream time
    `limit`; the index of the earliest sound frame found, less one frame of soft edge."""
    if first == 0:
        return 0
    rms = [float(np.sqrt(np.mean(np.square(f.samples, dtype=np.float64))))
           if f.samples.size else 0.0 for f in frames]
    loud = max(_MIN_RMS, float(np.percentile(rms, 20)) * _ABOVE_BACKGROUND)
    earliest, quiet = first, 0
    for i in range(first - 1, -1, -1):
        if frames[i].timestamp < limit:
            break
        if rms[i] > loud:
            earliest, quiet = i, 0
        else:
            quiet += 1
            if quiet >= _QUIET_FRAMES_TO_STOP:
                break
    return max(0, earliest - 1) if earliest < first else first
