"""The turn-detection seam: frames in, `SpeechStarted`/`SpeechEnded` out."""

from __future__ import annotations

from typing import Protocol

from media.events import TurnEvent
from media.frames import AudioFrame


class TurnDetector(Protocol):
    """Feeds on the guest's frames; `agent_frame` is what the playout sent last (for echo gating)."""

    def process(self, frame: AudioFrame, agent_frame: AudioFrame | None = None) -> list[TurnEvent]:
        ...

    def reset(self) -> None: ...
