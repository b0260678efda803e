"""What a call is about, for the live board: the last tool the agent ran, else a keyword guess
from what the caller said."""

from __future__ import annotations

from media.engine import Role, TranscriptTurn

_TOOL_INTENTS = {
    "check_availability": "booking", "make_reservation": "booking",
    "modify_reservation": "booking change", "cancel_reservation": "cancellation",
    "find_reservation": "reservation lookup", "order_room_service": "room service",
    "request_housekeeping": "housekeeping", "hotel_info": "information",
    "transfer_to_human": "transfer", "schedule_callback": "callback",
    "send_sms_confirmation": "confirmation", "record_voice_note": "message",
    "handle_ivr_menu": "phone menu",
}

# Tools that say nothing of what the call is about (the greeting's caller-history lookup, the
# speech formatter, hold music, ending the call).
_NOT_INTENTS = frozenset({"announce_to_session", "play_hold_music", "end_call",
                          "get_caller_history", "format_for_voice"})

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
        if call.name == "request_housekeeping" and call.arguments.get("kind") == "maintenance":
            return "maintenance"
        return _TOOL_INTENTS.get(call.name, call.name.replace("_", " "))
    if turn.role is Role.GUEST:
        text = turn.text.lower()
        for word, intent in _KEYWORDS:
            if word in text:
                return intent
    return current
