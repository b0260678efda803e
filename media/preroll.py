"""`PreRoll`: the guest's latest audio while no turn is open, so recognition of a turn can start
just before its onset.

The turn detector confirms a turn only after `min_speech_ms` of speech (longer when the first
syllable is soft or broken by a gap), so a fixed number of frames before `SpeechStarted` can
miss the first phoneme ("what time" heard as "the light"). The buffer keeps `keep_s` of audio
and hands back everything from `lead_s` before the onset the detector reports.
"""

from __future__ import annotations

from collections import deque

from media.frames import AudioFrame


class PreRoll:
    def __init__(self, keep_s: float = 1.2, lead_s: float = 0.25) -> None:
        self.keep_s = keep_s
        self.lead_s = lead_s
        self._frames: deque[AudioFrame] = deque()
        self._kept_s = 0.0

    def append(self, frame: AudioFrame) -> None:
        self._frames.append(frame)
        self._kept_s += frame.duration_ms / 1000
        while self._frames and self._kept_s - self._frames[0].duration_ms / 1000 >= self.keep_s:
            self._kept_s -= self._frames.popleft().duration_ms / 1000

    def take_from(self, onset: float) -> list[AudioFrame]:
        """The kept frames that end after `onset - lead_s` (stream time), and empty the buffer.

        If the frames' timestamps do not reach the onset (a source without stream time), all
        kept audio is returned: too much leading silence costs less than a lost word."""
        frames = list(self._frames)
        self._frames.clear()
        self._kept_s = 0.0
        if not frames or frames[-1].timestamp + frames[-1].duration_ms / 1000 < onset - self.keep_s:
            return frames
        start = onset - self.lead_s
        return [f for f in frames if f.timestamp + f.duration_ms / 1000 > start]

    def __len__(self) -> int:
        return len(self._frames)
