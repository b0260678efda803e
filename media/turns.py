"""The turn-detection seam: frames in, turn events out.

`SpeechStarted`/`SpeechEnded` bound a guest turn; `SpeechCandidate` (early, maybe a cough) and
`CandidateDropped` (it was not a turn) let barge-in pause the agent before a turn is certain.
A detector that never raises candidates is valid: barge-in then waits for `SpeechStarted`.
`SpeechPaused` (a short silence inside a turn) lets an engine that judges the turn complete end
it early through `end_turn_if_paused()`; a detector that never pauses simply never ends early.
"""

from __future__ import annotations

from typing import Protocol

from media.echo_cancel import CancelledEcho
from media.events import SpeechEnded, TurnEvent
from media.frames import AudioFrame


class TurnDetector(Protocol):
    """Guest frames in, turn events out; `agent_frame` is the playout's last frame and
    `cancelled` the frame's levels through an echo canceller, if the call has one (echo gating)."""

    def process(self, frame: AudioFrame, agent_frame: AudioFrame | None = None,
                cancelled: CancelledEcho | None = None) -> list[TurnEvent]:
        ...

    def reset(self) -> None: ...

    def end_turn_if_paused(self) -> SpeechEnded | None:
        """End the current turn if the guest is still pausing; None if not (or no turn)."""
        ...
