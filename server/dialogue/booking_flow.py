"""New bookings and availability checks: fill the slots, check, confirm, book, offer a text."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from server.dialogue import slots
from server.dialogue.conversation import BookingDraft, BookingRef, Conversation, Pending, Say
from server.dialogue.dates import shifted
from server.dialogue.intents import CHEAPEST, Intent
from server.dialogue.reply import Outcome
from server.dialogue.speech import (
    ask,
    day,
    number_words,
    offer,
    people,
    plan_words,
    room_code_for_name,
    room_phrase,
    with_article,
)
from server.dialogue.spelling import (
    chosen_spelling,
    homophones,
    spelling_question,
    surname_of,
    with_surname,
)
from server.dialogue.understanding import Understood
from server.dialogue.yesno import Answer
from server.hotel import lookup
from server.hotel.enums import RatePlan
from server.hotel.speech_format import say_date, say_list, say_money, say_nights
from server.tools import ToolErrorCode, ToolResult

E = ToolErrorCode


def rates_compared(b: BookingDraft, u: Understood) -> str | None:
    """"Which one is cheaper?" to the rate question: room only, by how much a night; None if
    that is not what was asked or the rates are not known yet."""
    if b.room_only_pence is None or b.bnb_pence is None or not re.search(
            r"\b(cheaper|cheapest|less expensive|the difference|how much more)\b", u.text):
        return None
    return (f"Room only is the cheaper, at {say_money(b.room_only_pence)} a night; breakfast "
            f"adds {say_money(b.bnb_pence - b.room_only_pence)} a night.")


def stay_total(b: BookingDraft) -> str | None:
    """"What's the total?" before the read-back: the stay at the rate chosen, or at both
    rates while the rate is still to choose; None until the room's rates are known."""
    nights = b.stay_nights()
    if nights is None or b.room_only_pence is None or b.bnb_pence is None:
        return None
    lead = f"For {say_nights(nights)}, that's"
    if b.rate_plan is None:
        return (f"{lead} {say_money(nights * b.room_only_pence)} room only, or "
                f"{say_money(nights * b.bnb_pence)} with breakfast.")
    nightly = b.bnb_pence if b.rate_plan is RatePlan.BNB else b.room_only_pence
    return f"{lead} {say_money(nights * nightly)} in total, {plan_words(b.rate_plan)}."


def same_stay(b: BookingDraft, u: Understood) -> bool:
    """Whether the dates and nights `u` says (if any) are the draft's stay."""
    return u.check_in in (None, b.check_in) and u.nights in (None, b.stay_nights()) and \
        u.check_out in (None, b.departure()) and not u.extra_nights and u.shift is None


def apply(b: BookingDraft, u: Understood, *, expecting: str | None) -> bool:
    """Copy what the guest said into the draft; True if anything changed."""
    changed = False
    if expecting == "guest_name" and u.name is not None and u.answer.value == "none" and \
            u.check_in is None and u.nights is None and u.guests is None:
        _set_name(b, u.name)  # "peter king" is a name, not a king room
        return True
    if u.shift is not None and b.check_in is not None:  # "can we arrive a day earlier?"
        leaving = b.departure()
        if leaving is None:  # no stay yet: only the arrival can move
            b.check_in += dt.timedelta(days=u.shift.days)
        else:
            b.check_in, b.check_out = shifted(b.check_in, leaving, u.shift)
            b.nights = None
        changed = True
    if u.check_in is not None and u.check_in != b.check_in:
        b.check_in, changed = u.check_in, True
        if b.check_out is not None and b.check_out <= b.check_in:
            b.check_out = None
    if u.check_out is not None:
        b.check_out, b.nights, changed = u.check_out, None, True
    if u.nights is not None and (u.nights != b.nights or b.check_out is not None):
        b.nights, b.check_out, changed = u.nights, None, True
    if u.extra_nights and b.stay_nights():
        b.nights, b.check_out, changed = (b.stay_nights() or 0) + u.extra_nights, None, True
    if u.guests is not None and u.guests != b.guests and not (
            expecting == "nights" and u.nights is None and u.guests == b.nights):
        b.guests, changed = u.guests, True
    if u.extra_guests and b.guests:  # "my sister is coming too"
        b.guests, changed = b.guests + u.extra_guests, True
    if u.room_type is not None and u.room_type != b.room_type:
        b.room_type, changed = u.room_type, True
        b.room_only_pence = b.bnb_pence = None
    if changed:
        b.checked = False
    if u.rate_plan is not None and u.rate_plan != b.rate_plan:
        b.rate_plan, changed = u.rate_plan, True
    if u.name is not None and _plausible_name(u):
        _set_name(b, u.name)
        changed = True
    if u.phone is not None:
        b.phone, changed = u.phone, True
    return changed


def past_the_stay(b: BookingDraft, u: Understood) -> dt.date | None:
    """A correction that is one date after the stay read back ("make it the 14th" for the
    10th to the 13th): a later departure, or the arrival moved? Taken either way it was wrong
    half the time (as the arrival it also lost the stay's end), so the guest is asked. The
    date, or None when the correction is not that."""
    leaving = b.departure()
    if u.lone_date and u.check_in is not None and leaving is not None and u.check_in > leaving:
        return u.check_in
    return None


def ask_which_end(conv: Conversation, day_said: dt.date) -> Say:
    conv.booking.unplaced = day_said
    return offer(conv, Pending.WHICH_END, f"Is that arriving or leaving on "
                 f"{say_date(day_said, today=conv.today())}?")


def says_leaving(u: Understood) -> bool | None:
    """The answer to `ask_which_end`: True for leaving, False for arriving, None for neither."""
    words = set(u.toks)
    leaving = bool(words & {"leaving", "leave", "departing", "departure", "out", "until",
                            "till", "checking"} and "in" not in words)
    arriving = bool(words & {"arriving", "arrive", "arrival", "in", "from", "coming"})
    return None if leaving == arriving else leaving


async def place_date(conv: Conversation, u: Understood) -> Say | None:
    """The answer to `ask_which_end`; None if it says neither."""
    b, d = conv.booking, conv.booking.unplaced
    assert d is not None
    leaving = says_leaving(u)
    if leaving is None:
        return None
    nights = b.stay_nights()
    if leaving:
        b.check_out, b.nights = d, None
    else:  # the same stay, moved
        b.check_in, b.check_out, b.nights = d, None, nights
    b.unplaced, b.checked = None, False
    conv.pending = None
    return await next_step(conv)


def _set_name(b: BookingDraft, name: str) -> None:
    if name != b.guest_name:
        b.guest_name, b.name_spelled = name, False


def _plausible_name(u: Understood) -> bool:
    return u.answer.value == "none" and not u.has_booking_slots


def _quote(b: BookingDraft) -> int | None:
    rate = b.bnb_pence if b.rate_plan is RatePlan.BNB else b.room_only_pence
    nights = b.stay_nights()
    return rate * nights if rate is not None and nights else None


def _stay_args(b: BookingDraft) -> dict[str, Any]:
    return {"check_in": b.check_in.isoformat() if b.check_in else None,
            "check_out": b.check_out.isoformat() if b.check_out else None,
            "nights": b.nights if b.check_out is None else None}


def _room_types(result: ToolResult) -> list[dict[str, Any]]:
    raw = result.data.get("room_types")
    return [x for x in raw if isinstance(x, dict)] if isinstance(raw, list) else []


def tool_problem(conv: Conversation, result: ToolResult) -> Say:
    """Speak a booking tool's error and ask what it asks, clearing the slot at fault."""
    b = conv.booking
    err = result.error
    assert err is not None
    if err.code is E.TOO_MANY_GUESTS:
        raw = result.data.get("suggested_room_types")
        names = [str(x) for x in raw] if isinstance(raw, list) else []
        b.suggested = tuple(c for c in (room_code_for_name(n) for n in names) if c)
        return offer(conv, Pending.PICK_ROOM if b.suggested else Pending.MULTI_ROOM,
                     result.speech)
    field = err.field
    if field == "check_in" or err.code is E.DATE_IN_PAST:
        b.check_in = None
        return ask(conv, "check_in", result.speech.replace(err.question or "", "").strip())
    if field in ("nights", "check_out") or err.code is E.INVALID_DATES:
        b.nights = b.check_out = None
        return ask(conv, "nights", result.speech.replace(err.question or "", "").strip())
    if err.code is E.NO_AVAILABILITY:
        b.room_type = None
        conv.expecting = "room_type"
        conv.pending = None
        return Say(result.speech, expecting="room_type")
    if field in ("room_type", "guests", "guest_name", "phone"):
        setattr(b, field, None)
        conv.expecting = field
        return Say(result.speech, expecting=field)
    conv.expecting = field
    return Say(result.speech, expecting=field)


async def _check(conv: Conversation) -> Say | None:
    """check_availability for the draft; None when the chosen room type is free."""
    b = conv.booking
    result = await conv.tool("check_availability", **_stay_args(b), guests=b.guests,
                             room_type=_display(b.room_type))
    if not result.ok:
        return tool_problem(conv, result)
    types = _room_types(result)
    if b.room_type is not None:
        match = next((t for t in types if room_code_for_name(str(t["room_type"])) ==
                      b.room_type), None)
        if match is not None:
            b.room_only_pence = int(match["room_only_pence"])
            b.bnb_pence = int(match["bnb_pence"])
    b.checked = True
    if conv.task is Intent.AVAILABILITY:
        conv.outcomes.append(Outcome.AVAILABILITY_GIVEN)
        return offer(conv, Pending.OFFER_BOOKING,
                     f"{result.speech} Would you like me to book one for you?")
    return None


def _display(code: str | None) -> str | None:
    return room_phrase(code) if code else None


def _rates(room_type: str, room_only_pence: int, bnb_pence: int) -> str:
    return (f"The {room_phrase(room_type)} is {say_money(room_only_pence)} a night room only, "
            f"or {say_money(bnb_pence)} with breakfast.")


def asks_cheapest(u: Understood) -> bool:
    """"What's your cheapest room?", "the least expensive one"."""
    return re.search(CHEAPEST, u.text) is not None


async def prices(conv: Conversation, u: Understood) -> tuple[str, str | None]:
    """What the rooms cost, with no dates: the type asked about with both rates, the cheapest
    types that sleep the draft's guests, or every type at its room-only rate; with it the
    code of the one type it names, if only one."""
    types = await conv.hotel_rows(lookup.room_types)
    asked = next((t for t in types if t.code == u.room_type), None)
    named = [t for code in slots.room_types(list(u.toks)) for t in types if t.code == code]
    if "difference" in u.toks and len(named) >= 2:  # "between the double and the king?"
        each = [f"the {room_phrase(t.code)}, {t.description}, at "
                f"{say_money(t.rate_room_only_pence)} a night" for t in named]
        return f"T{'; '.join(each)[1:]}, room only.", None
    if asked is not None and "difference" not in u.toks:
        return _rates(asked.code, asked.rate_room_only_pence, asked.rate_bnb_pence), asked.code
    if asks_cheapest(u) and types:
        guests = conv.booking.guests
        fit = [t for t in types if guests is None or t.max_guests >= guests] or types
        low = min(t.rate_room_only_pence for t in fit)
        codes = [t.code for t in fit if t.rate_room_only_pence == low]
        names = say_list([f"the {room_phrase(c)}" for c in codes])
        rooms = "room is" if len(codes) == 1 else "rooms are"
        return (f"Our least expensive {rooms} {names}, at {say_money(low)} a night room only.",
                codes[0] if len(codes) == 1 else None)
    each = [f"{with_article(room_phrase(t.code))} at {say_money(t.rate_room_only_pence)}"
            for t in types]
    return f"We have {say_list(each)} a night, room only; breakfast is extra.", None


async def _ask_room_type(conv: Conversation, guests: int) -> Say:
    """The room question; for a party only some types sleep, those types ("For three guests,
    we have the family room or the Harbor Suite."), not the doubles as well."""
    types = await conv.hotel_rows(lookup.room_types)
    fit = [t for t in types if t.max_guests >= guests]
    if len(fit) < 2 or len(fit) == len(types):
        return ask(conv, "room_type")
    names = say_list([with_article(room_phrase(t.code)) for t in fit]).replace(" and ", " or ")
    return ask(conv, "room_type", f"For {people(guests)}, we have {names}.",
               "Which would you like?")


async def rooms_answer(conv: Conversation, u: Understood) -> Say:
    """What the rooms cost when no dates were given (`prices`), then an offer to book one."""
    conv.booking = BookingDraft(room_type=u.room_type)
    said, one = await prices(conv, u)
    return offer(conv, Pending.OFFER_BOOKING,
                 f"{said} Would you like to book {'a room' if one is None else 'one'}?")


async def next_step(conv: Conversation) -> Say:
    """Ask for the next missing detail, or check and confirm the booking."""
    b = conv.booking
    if b.check_in is None:
        return ask(conv, "check_in")
    if b.check_in < conv.today():  # let the tool say so (and re-ask) before anything else
        result = await conv.tool("check_availability", check_in=b.check_in.isoformat())
        if not result.ok:
            return tool_problem(conv, result)
    if b.stay_nights() is None:
        return ask(conv, "nights")
    if conv.task is Intent.AVAILABILITY:
        said = await _check(conv)
        assert said is not None
        return said
    if b.guests is None:
        return ask(conv, "guests")
    if b.room_type is None:
        return await _ask_room_type(conv, b.guests)
    if not b.checked:
        problem = await _check(conv)
        if problem is not None:
            return problem
    if b.rate_plan is None:
        lead = ""
        if b.room_only_pence is not None and b.bnb_pence is not None:
            lead = _rates(b.room_type, b.room_only_pence, b.bnb_pence)
        return ask(conv, "rate_plan", lead)
    if b.guest_name is None and conv.caller_name:
        b.guest_name, b.name_spelled = conv.caller_name, True  # as the hotel has it on file
    if b.guest_name is None:
        return ask(conv, "guest_name")
    if not b.name_spelled and homophones(surname_of(b.guest_name)):
        return offer(conv, Pending.CONFIRM_SPELLING,
                     spelling_question(surname_of(b.guest_name)))
    if b.phone is None and conv.ctx.caller_e164 is None:
        return ask(conv, "phone")
    return _confirm(conv)


def _confirm(conv: Conversation) -> Say:
    b = conv.booking
    assert b.check_in and b.room_type and b.guests and b.rate_plan
    nights = b.stay_nights() or 0
    price = _quote(b)
    cost = f", at {say_money(price)}" if price is not None else ""
    # A number the guest gave is read back with the rest (the confirmation is texted to it);
    # the caller's own number, from the line, needs no checking.
    phone = f", phone number {number_words(b.phone)}" if b.phone else ""
    text = (f"So that's {with_article(room_phrase(b.room_type))}, arriving "
            f"{day(b.check_in, conv.today())} for {say_nights(nights)}, for "
            f"{people(b.guests)}, {plan_words(b.rate_plan)}{cost}, under the name "
            f"{b.guest_name}{phone}. Shall I book it?")
    return offer(conv, Pending.CONFIRM_BOOKING, text)


async def commit(conv: Conversation) -> Say:
    """make_reservation with the confirmed draft; offers a text confirmation after."""
    b = conv.booking
    result = await conv.tool("make_reservation", room_type=_display(b.room_type),
                             **_stay_args(b), guests=b.guests,
                             rate_plan=b.rate_plan.value if b.rate_plan else None,
                             guest_name=b.guest_name, phone=b.phone)
    if not result.ok:
        b.checked = False
        return tool_problem(conv, result)
    ref = BookingRef.from_json(dict(result.data))
    conv.last_code = ref.code
    conv.current = ref
    conv.outcomes.append(Outcome.BOOKED)
    conv.booking = BookingDraft()
    conv.task = None
    said = offer(conv, Pending.OFFER_SMS,
                 f"{result.speech} Would you like me to text you the confirmation?")
    return Say(said.text, said.expecting, Outcome.BOOKED)


def spelling_choice(conv: Conversation, u: Understood) -> str | None:
    """The surname spelling `u` picks in answer to "Is that Clark, spelled C, L, A, R, K?"
    (a yes is the spelling asked about, a no the other one of two), or None."""
    group = homophones(surname_of(conv.booking.guest_name or ""))
    if not group:
        return None
    choice = chosen_spelling(u.toks, group)
    if choice is None and u.answer is Answer.YES:
        choice = group[0]
    if choice is None and u.answer is Answer.NO and len(group) == 2:
        choice = group[1]
    return choice


async def spelling_answer(conv: Conversation, u: Understood) -> Say | None:
    """The answer to the spelling question: the chosen spelling goes into the booking. A new
    name replaces the one asked about; a no without a choice asks for the spelling."""
    b = conv.booking
    group = homophones(surname_of(b.guest_name or ""))
    if u.name is not None and homophones(surname_of(u.name)) != group:
        conv.pending = None
        _set_name(b, u.name)
        return await next_step(conv)
    choice = spelling_choice(conv, u)
    if choice is None:
        if u.answer is Answer.NO:
            return Say("Could you spell the surname for me, letter by letter?",
                       expecting=conv.expecting)
        return None
    assert b.guest_name is not None
    b.guest_name, b.name_spelled = with_surname(b.guest_name, choice), True
    conv.pending = None
    return await next_step(conv)


async def pick_room(conv: Conversation, u: Understood) -> Say | None:
    """The answer to "would you like a family room or the Harbor Suite instead?"."""
    b = conv.booking
    if u.room_type is not None or u.guests is not None or u.has_booking_slots:
        apply(b, u, expecting=conv.expecting)
        conv.pending = None
        return await next_step(conv)
    if u.answer.value == "yes":
        if len(b.suggested) == 1:
            b.room_type, b.checked = b.suggested[0], False
            conv.pending = None
            return await next_step(conv)
        names = [with_article(room_phrase(c)) for c in b.suggested]
        conv.pending = None
        conv.expecting = "room_type"
        return Say(f"Which would you prefer: {say_list(names).replace(' and ', ' or ')}?",
                   expecting="room_type")
    if u.answer.value == "no":
        conv.pending = None
        return ask(conv, "guests", "No problem.")
    return None
