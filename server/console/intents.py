"""What a call is about, for the live board: the last tool the agent ran, else a keyword guess
from what the caller said."""

from __future__ import annotations

from media.engine import Role, TranscriptTurn

_TOOL_INTENTS = {
    "check_availability": "booking", "create_reservation": "booking",
    "modify_reservation": "booking", "cancel_reservation": "cancellation",
    "lookup_reservation": "reservation lookup", "room_service_order": "room service",
    "housekeeping_request": "housekeeping", "maintenance_request": "maintenance",
    "hotel_info": "information", "transfer_to_human": "transfer",
    "schedule_callback": "callback", "send_sms": "confirmation",
}

_NOT_INTENTS = frozenset({"announce_to_session", "play_hold_music", "end_call"})

_KEYWORDS = (
    ("cancel", "cancellation"), ("book", "booking"), ("room for", "booking"),
    ("reservation", "booking"), ("towel", "housekeeping"), ("clean", "housekeeping"),
    ("order", "room service"), ("breakfast", "information"), ("menu", "room service"),
    ("broken", "maintenance"), ("parking", "information"), ("wifi", "information"),
    ("check out", "information"), ("check in", "information"), ("speak to", "transfer"),
    ("manager", "transfer"),
)


def guess_intent(turn: TranscriptTurn, current: str | None) -> str | None:
    for call in reversed(turn.tool_calls):
        if call.name in _NOT_INTENTS:
            continue
        return _TOOL_INTENTS.get(call.name, call.name.replace("_", " "))
    if turn.role is Role.GUEST:
        text = turn.text.lower()
        for word, intent in _KEYWORDS:
            if word in text:
                return intent
    return current
