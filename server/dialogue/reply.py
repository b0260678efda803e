"""What the dialogue manager answers: the text to speak, the tools it ran, and call state."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from media.engine import ToolCall


class Outcome(StrEnum):
    """What a finished task (or the call) achieved; `Reply.outcome` holds the value."""

    BOOKED = "booked"
    AVAILABILITY_GIVEN = "availability_given"
    MODIFIED = "modified"
    CANCELLED = "cancelled"
    HOUSEKEEPING_REQUESTED = "housekeeping_requested"
    ROOM_SERVICE_ORDERED = "room_service_ordered"
    INFO_GIVEN = "info_given"
    TRANSFERRED = "transferred"
    CALLBACK_SCHEDULED = "callback_scheduled"
    SMS_SENT = "sms_sent"
    COMPLETED = "completed"  # the guest said goodbye
    ABANDONED = "abandoned"  # the guest went silent


@dataclass(frozen=True)
class Reply:
    """One agent turn. `expecting` names the slot the question asks for (e.g. "check_in",
    "confirm_booking"), so a recognizer can bias towards the likely answer."""

    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    end_call: bool = False
    outcome: str | None = None
    intent: str | None = None
    expecting: str | None = None
