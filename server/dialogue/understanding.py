"""Everything one utterance says, parsed once: intent, yes/no, and every slot value."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from server.dialogue import items, slots
from server.dialogue.dates import (
    DateMatch,
    DateRole,
    Shift,
    find_dates,
    find_shift,
    takes_nights_off,
)
from server.dialogue.intents import Intent, classify
from server.dialogue.items import OrderLine
from server.dialogue.words import tokens
from server.dialogue.yesno import Answer, yes_no
from server.hotel.enums import RatePlan, Topic


@dataclass(frozen=True)
class Understood:
    text: str
    toks: tuple[str, ...]
    intent: Intent
    answer: Answer
    check_in: dt.date | None
    check_out: dt.date | None
    nights: int | None
    extra_nights: int | None
    guests: int | None
    extra_guests: int | None  # people added: "another person", "my wife is coming too"
    room_type: str | None
    rate_plan: RatePlan | None
    name: str | None
    phone: str | None  # a phone number of the right length (`slots.phone_whole`)
    phone_short: str | None  # digits heard as a phone number, but too few or too many
    code: str | None
    room_number: str | None
    lone_date: bool  # one date said, with nothing marking it arrival or departure
    shift: Shift | None  # the stay moved without a date: "a day earlier", "a week later"
    department: str | None
    topic: Topic | None
    menu: tuple[OrderLine, ...]
    housekeeping: tuple[str, ...]
    maintenance: bool

    @property
    def has_booking_slots(self) -> bool:
        return any(v is not None for v in (self.check_in, self.check_out, self.nights,
                                           self.guests, self.room_type, self.rate_plan,
                                           self.extra_nights, self.shift, self.extra_guests))


def _split_dates(found: list[DateMatch]) -> tuple[dt.date | None, dt.date | None]:
    """Arrival and departure from the dates said: "from friday to sunday", "until sunday"."""
    live = [d for d in found if not d.negated]
    check_in = next((d.value for d in reversed(live) if d.role is DateRole.CHECK_IN), None)
    check_out = next((d.value for d in reversed(live) if d.role is DateRole.CHECK_OUT), None)
    anys = [d.value for d in live if d.role is DateRole.ANY]
    if check_in is None and check_out is None and len(anys) >= 2:
        return anys[0], anys[-1]
    if check_in is None and anys:
        check_in = anys[-1] if check_out is None or anys[-1] < check_out else None
    if check_out is None and check_in is not None and anys and anys[-1] > check_in:
        check_out = anys[-1]
    return check_in, check_out


# "A room for the weekend": the coming one, as "this weekend" (a bare "weekend" may not be a
# date: "your weekend rates").
_THE_WEEKEND = r"\b(for|at|over|from) the weekend\b"


def understand(text: str, today: dt.date, *, expecting: str | None = None) -> Understood:
    """Parse one utterance; `expecting` (the slot just asked for) lets bare answers count."""
    toks = tokens(text)
    found = [] if takes_nights_off(toks) else find_dates(toks, today)
    if not found and "weekend" in toks and (expecting in ("check_in", "arrival") or
                                           re.search(_THE_WEEKEND, " ".join(toks))):
        found = find_dates(["this", "weekend"], today)  # "(at) the weekend": the coming one
    check_in, check_out = _split_dates(found)
    extra = slots.extra_nights(toks)
    shift = find_shift(toks) if not found else None
    # A bare number is a count of guests, but not in "one night less".
    guests = slots.guests(toks, bare=expecting == "guests" and shift is None)
    if expecting == "check_out" and check_in is not None and check_out is None:
        check_in, check_out = None, check_in
    phone = slots.phone_number(toks)
    whole = phone is None or slots.phone_whole(phone)
    plan = slots.rate_plan(toks)
    # "Breakfast please" to the rate question chooses it; it is not a question about breakfast.
    chose = plan is None and expecting == "rate_plan" and slots.breakfast_chosen(toks)
    if chose:
        plan = RatePlan.BNB
    elif plan is None and expecting == "rate_plan" and slots.cheaper_chosen(toks):
        plan, chose = RatePlan.ROOM_ONLY, True  # "the cheaper one, please"
    intent = Intent.NONE if chose else classify(toks)
    if shift is not None and intent in (Intent.NONE, Intent.INFO, Intent.MY_BOOKING):
        # "We'd like to arrive a day earlier", "can we check out two days later?" (not the
        # check-out time)
        intent = Intent.CHANGE
    return Understood(
        text=" ".join(toks), toks=tuple(toks), intent=intent, answer=yes_no(text),
        check_in=check_in, check_out=check_out,
        # "A week later" is how far the stay moves, not for how long.
        nights=None if extra or shift else slots.nights(toks, bare=expecting == "nights"),
        extra_nights=extra,
        guests=guests, extra_guests=None if guests is not None else slots.extra_guests(toks),
        room_type=slots.room_type(toks), rate_plan=plan,
        name=slots.person_name(toks, bare=expecting in ("guest_name", "booking_name")),
        phone=phone if whole else None, phone_short=None if whole else phone,
        code=slots.confirmation_code(toks, expected=expecting == "confirmation_code"),
        lone_date=len(found) == 1 and found[0].role is DateRole.ANY and not found[0].negated,
        shift=shift,
        room_number=slots.room_number(toks,
                                      bare=expecting in ("room_number", "confirm_order")),
        department=slots.department(toks), topic=slots.topic(toks),
        menu=tuple(items.menu_items(toks)), housekeeping=tuple(items.housekeeping_items(toks)),
        maintenance=items.is_maintenance(toks))
