"""The turn-detection seam: frames in, `SpeechStarted`/`SpeechEnded` out."""

from __future__ import annotations

from typing import Protocol

from media.events import TurnEvent
from media.frames import AudioFrame


class TurnDetector(Protocol):
    """Guest frames in, turn events out; `agent_frame` is the playout's last frame (echo gating)."""

    def process(self, frame: AudioFrame, agent_frame: AudioFrame | None = None) -> list[TurnEvent]:
        ...

    def reset(self) -> None: ...
