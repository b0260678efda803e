"""Agent sentences built from slot values, spoken through the hotel's speech formatters."""

from __future__ import annotations

import datetime as dt

from server.dialogue.conversation import Conversation, Pending, Say
from server.dialogue.items import OrderLine
from server.dialogue.slots import ROOM_TYPE_NAMES
from server.hotel.enums import RatePlan
from server.hotel.phones import to_e164
from server.hotel.speech_format import say_date, say_number, say_phone

SORRY_AGAIN = "Sorry, could you say that again?"
PHONE_AGAIN = "Sorry, I think I missed a digit of that number. Could you say it again?"
ANYTHING_ELSE = "Is there anything else I can help you with?"
# After a spelled code matched no booking: letters that sound alike (b, d, e, g, p, t, v; more
# so over a phone line, which cuts their high sounds) are told apart by words.
CODE_AGAIN = "Could you spell it again with a word for each letter, like C for Charlie?"
# Said before offering the department a request with no tool goes to (`intents.REFERRALS`).
REFERRAL_LEADS = {"concierge": "Our concierge can arrange that for you.",
                  "front_desk": "The front desk can help you with that.",
                  "room_service": "Room service can help you with an order you've placed."}
QUESTIONS = {
    "check_in": "Which date would you like to arrive?",
    "nights": "And how many nights would you like to stay?",
    "check_out": "Which date would you like to leave?",
    "guests": "How many guests will be staying?",
    "room_type": "Which type of room would you like: a standard double, a standard twin, a "
                 "deluxe king with a sea view, a family room, or the Harbor Suite?",
    "rate_plan": "Would you like room only, or bed and breakfast?",
    "guest_name": "May I have the name for the booking?",
    "phone": "What's the best phone number to reach you on?",
    "confirmation_code": "Could you give me the booking's confirmation code? You can spell it "
                         "letter by letter.",
    "booking_name": "What's the full name the booking is under?",
    "arrival": "And what's the arrival date?",
    "changes": "What would you like to change?",
    "room_number": "What's your room number?",
    "items": "What would you like?",
    "when": "When would be a good time for us to call you back?",
    "topic": "What would you like to know about? I can tell you about breakfast, parking, the "
             "pool and gym, pets, Wi-Fi, check-in and check-out times, our address or our "
             "phone number.",
}


def number_words(raw: str) -> str:
    """A phone number the guest gave, said back (as dialled, if it is a valid one)."""
    return say_phone(to_e164(raw) or raw)


def room_phrase(code: str) -> str:
    """'deluxe king', 'Harbor Suite': how the room type sits inside a sentence."""
    name = ROOM_TYPE_NAMES.get(code, code)
    return name if code == "harbor_suite" else name.lower()


def room_code_for_name(name: str) -> str | None:
    return next((c for c, n in ROOM_TYPE_NAMES.items() if n.lower() == name.lower()), None)


def with_article(phrase: str) -> str:
    return f"the {phrase}" if phrase.startswith("Harbor") else f"a {phrase}"


def plan_words(plan: RatePlan) -> str:
    return "bed and breakfast" if plan is RatePlan.BNB else "room only"


def people(n: int) -> str:
    return f"{say_number(n)} {'guest' if n == 1 else 'guests'}"


def order_words(lines: list[OrderLine]) -> str:
    parts = []
    for line in lines:
        name = line.name.lower()
        if line.quantity == 1 and name == "fish and chips":
            parts.append(name)
        elif line.quantity == 1:
            parts.append(f"a {name}" if name[0] not in "aeiou" else f"an {name}")
        elif name == "fish and chips":
            parts.append(f"{say_number(line.quantity)} portions of fish and chips")
        elif " of " in name:
            head, tail = name.split(" of ", 1)
            parts.append(f"{say_number(line.quantity)} {head}s of {tail}")
        elif name.endswith(("ch", "sh")):
            parts.append(f"{say_number(line.quantity)} {name}es")
        else:
            parts.append(f"{say_number(line.quantity)} {name}s")
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def day(d: dt.date, today: dt.date) -> str:
    if d == today:
        return "today, " + say_date(d, today=today)
    if d == today + dt.timedelta(days=1):
        return "tomorrow, " + say_date(d, today=today)
    return say_date(d, today=today)


def ask(conv: Conversation, slot: str, lead: str = "", question: str = "") -> Say:
    """Ask for one slot (with its usual question unless given another); remembers what the
    answer will be."""
    conv.expecting = slot
    conv.pending = None
    text = f"{lead} {question or QUESTIONS[slot]}".strip()
    return Say(text, expecting=slot)


def offer(conv: Conversation, pending: Pending, text: str) -> Say:
    """Ask a yes/no question; the next yes or no answers it."""
    conv.pending = pending
    conv.expecting = pending.value
    return Say(text, expecting=pending.value)
