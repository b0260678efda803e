"""Existing bookings: find the booking, then change it, cancel it, or text its confirmation."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from typing import Any

from server.dialogue.conversation import BookingRef, ChangeDraft, Conversation, Pending, Say
from server.dialogue.dates import ShiftEnd, shifted
from server.dialogue.intents import Intent
from server.dialogue.reply import Outcome
from server.dialogue.speech import (
    ANYTHING_ELSE,
    CODE_AGAIN,
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
from server.dialogue.understanding import Understood, understand
from server.dialogue.yesno import Answer
from server.hotel.speech_format import say_code, say_money, say_nights
from server.tools import ToolErrorCode, ToolResult

E = ToolErrorCode


def describe(ref: BookingRef, conv: Conversation) -> str:
    nights = (ref.check_out - ref.check_in).days
    code = room_code_for_name(ref.room_type)
    room = with_article(room_phrase(code)) if code else f"a {ref.room_type}"
    return (f"{room} for {people(ref.guests)}, arriving {day(ref.check_in, conv.today())} for "
            f"{say_nights(nights)}, {plan_words(ref.rate_plan)}")


def active_bookings(result: ToolResult) -> list[dict[str, Any]]:
    """The confirmed or checked-in bookings a find_reservation result lists."""
    raw = result.data.get("reservations")
    found = [x for x in raw if isinstance(x, dict)] if isinstance(raw, list) else []
    return [x for x in found if x.get("status") in ("confirmed", "checked_in")]


async def locate(conv: Conversation, u: Understood) -> Say | None:
    """Find the booking to work on (by code, else the caller's own); None once found."""
    if u.code is not None and (conv.current is None or conv.current.code != u.code):
        conv.current = None
    if conv.current is not None:
        return None
    code = u.code or conv.last_code
    # A code misheard by one sound-alike letter still finds its booking ("c r t eight m two"
    # for CRT8N2); the flow reads the booking's own code back before anything changes.
    result = await conv.tool("find_reservation", confirmation_code=code)
    active = active_bookings(result)
    if result.ok and len(active) == 1:
        conv.current = BookingRef.from_json(active[0])
        return None
    lead = "I couldn't find a booking under this number." if code is None else result.speech
    if result.ok and len(active) > 1:
        lead = "I can see more than one booking."
    elif result.ok and not active:
        lead = "That booking has already been cancelled or completed."
    elif code is not None:  # no booking under the code heard: ask for it in words
        said = result.error.message if result.error is not None else lead
        return ask(conv, "confirmation_code", said, CODE_AGAIN)
    return ask(conv, "confirmation_code", lead)


# The questions of a lookup by name: the code, the name, the arrival date.
LOOKUP_SLOTS = ("confirmation_code", "booking_name", "arrival")
# "I don't have it", "I haven't got the code", "I've lost it", "no idea".
_NO_CODE = re.compile(r"\b(don't|do not|haven't|have not) (have|got|know)\b|\bno idea\b|"
                      r"\b(lost|forgot|forgotten)\b|\bcan't find\b")


def no_code(u: Understood) -> bool:
    """Asked for the code, the guest says they have none ("no" with a correction after it,
    "no, three nights", is not that)."""
    plain_no = u.answer is Answer.NO and not u.has_booking_slots and u.code is None
    return plain_no or _NO_CODE.search(u.text) is not None


def full_name(u: Understood) -> str | None:
    """A name that can find a booking: two words or more, none a lone letter (a code's letters
    heard without its digits are not a name)."""
    words = u.name.split() if u.name else []
    return u.name if len(words) >= 2 and all(len(w) > 1 for w in words) else None


async def by_name(conv: Conversation, u: Understood) -> Say | None:
    """The answer to a lookup question (`LOOKUP_SLOTS`) with no code in it. A guest without the
    code gives their full name and the arrival date, which together find the booking (a name
    alone does not, so a caller cannot hear someone else's booking by saying a name). None
    when `u` does not answer the question: the manager asks again."""
    name = full_name(u)
    if name is None:
        if conv.expecting == "confirmation_code" and no_code(u):
            return ask(conv, "booking_name", "No problem.")
        if conv.expecting != "arrival" or u.check_in is None:
            return None
    else:
        conv.lookup_name = name
        if u.check_in is None:
            return ask(conv, "arrival", "Thank you.")
    if conv.lookup_name is None:
        return ask(conv, "booking_name")
    result = await conv.tool("find_reservation", guest_name=conv.lookup_name,
                             check_in=u.check_in.isoformat())
    active = active_bookings(result)
    conv.lookup_name = None
    if result.ok and len(active) == 1:
        conv.current = BookingRef.from_json(active[0])
        return await resume(conv)
    conv.lookup_misses += 1
    lead = (f"I'm sorry, I can't find a booking under that name arriving "
            f"{day(u.check_in, conv.today())}.")
    if conv.lookup_misses >= 2:
        conv.task = None
        conv.offer_department = "reservations"
        return offer(conv, Pending.OFFER_TRANSFER, f"{lead} Would you like me to put you "
                     "through to reservations?")
    return ask(conv, "booking_name", lead, "Could you tell me the full name again?")


async def resume(conv: Conversation) -> Say:
    """Carry on with the task once its booking is found by name (the answers that found it
    hold no changes)."""
    nothing = understand("", conv.today())
    if conv.task is Intent.CANCEL:
        return await cancel_step(conv, nothing)
    if conv.task is Intent.SMS:
        return await send_sms(conv, nothing)
    return await change_step(conv, nothing)


def in_house(ref: BookingRef) -> bool:
    """Has the stay started? Then only its departure can change by phone."""
    return ref.status == "checked_in"


# "I need to leave today", "can we stay till Friday": said by a guest in house, the date is
# their departure, not a new booking's arrival.
_DEPARTING = re.compile(r"\b(leave|leaving|stay|staying|check out|checking out|depart|"
                        r"departing|go home|going home|extend)\b")
# "Can I extend my stay?" with no date: asked until when.
_EXTEND = re.compile(r"\b(extend|longer|stay on)\b")
# "It's too noisy, can I change rooms?": for a guest in house, the front desk moves them.
_ANOTHER_ROOM = re.compile(r"\b(change|move|switch) (rooms|room)\b|\b(a different|another|a new) "
                           r"room\b")
# The tool's refusals of a change to a stay that has started, each offering the front desk.
_IN_HOUSE_REFUSALS = (E.NO_AVAILABILITY, E.NOT_ALLOWED, E.INVALID_DATES)


def means_departure(u: Understood) -> bool:
    """Does `u` name a departure (or one date, with staying or leaving) and no arrival?"""
    return (u.check_out is not None and u.check_in is None) or \
        (u.lone_date and _DEPARTING.search(u.text) is not None)


def apply_change(c: ChangeDraft, u: Understood, ref: BookingRef) -> None:
    if in_house(ref) and u.check_in is not None and u.check_out is None and \
            (u.rate_plan, u.guests, u.room_type) == (None, None, None):
        # "Can I stay until Saturday?", "can we extend to the 5th?": the arrival has passed
        # (but "add breakfast for tomorrow" is no departure).
        u = replace(u, check_in=None, check_out=u.check_in)
    if u.shift is not None:  # "a day earlier": from the stay as changed so far
        # In house, "a day later" is the departure; an arrival moved ("cancel the first
        # night") stays one, which only the front desk can change.
        shift = replace(u.shift, end=ShiftEnd.DEPARTURE) \
            if in_house(ref) and u.shift.end is ShiftEnd.STAY else u.shift
        check_in, nights = _changed_stay(c, ref)
        c.check_in, c.check_out = shifted(check_in, check_in + dt.timedelta(days=nights),
                                          shift)
        c.nights = None
    if u.check_in is not None:
        c.check_in = u.check_in
    if u.check_out is not None:
        c.check_out, c.nights = u.check_out, None
    if u.nights is not None:
        c.nights, c.check_out = u.nights, None
    if u.extra_nights:
        base = c.nights or (ref.check_out - ref.check_in).days
        c.nights, c.check_out = base + u.extra_nights, None
    if u.guests is not None:
        c.guests = u.guests
    if u.extra_guests:  # "can I add another person?"
        c.guests = (c.guests or ref.guests) + u.extra_guests
    if u.room_type is not None:
        c.room_type = u.room_type
    if u.rate_plan is not None:
        c.rate_plan = u.rate_plan


def _changed_stay(c: ChangeDraft, ref: BookingRef) -> tuple[dt.date, int]:
    """The arrival and nights the booking would have after `c`."""
    check_in = c.check_in or ref.check_in
    if c.nights is not None:
        return check_in, c.nights
    if c.check_out is not None:
        return check_in, (c.check_out - check_in).days
    return check_in, (ref.check_out - ref.check_in).days


def _new_departure(c: ChangeDraft, ref: BookingRef) -> dt.date | None:
    """The departure `c` asks for when that is all it changes, else None (another arrival,
    room, number of guests or rate)."""
    if c.check_in not in (None, ref.check_in) or c.guests not in (None, ref.guests) or \
            c.rate_plan not in (None, ref.rate_plan) or \
            c.room_type not in (None, room_code_for_name(ref.room_type)):
        return None
    check_in, nights = _changed_stay(c, ref)
    return check_in + dt.timedelta(days=nights)


def _front_desk(conv: Conversation, text: str) -> Say:
    """End the task and offer the front desk (`text` ends with the offer): for a stay that
    has started, whatever the phone cannot do."""
    conv.task = None
    conv.offer_department = "front_desk"
    return offer(conv, Pending.OFFER_TRANSFER, text)


def _departure_step(conv: Conversation, ref: BookingRef) -> Say:
    """A guest in house staying longer or leaving sooner: read back, in their own room (the
    tool checks it is free). Anything else, or leaving today, is the front desk's."""
    new = _new_departure(conv.change, ref)
    conv.change = ChangeDraft()
    if new is None or new <= conv.today():
        lead = ("You're already checked in, so the front desk will need to make that change."
                if new is None else "If you're leaving today, the front desk will check you "
                "out.")
        return _front_desk(conv, f"{lead} Would you like me to put you through?")
    conv.change.check_out = new
    nights = (new - ref.check_in).days
    today = conv.today()
    rate = ""
    if new > ref.check_out:
        nightly = ref.total_pence // max(1, (ref.check_out - ref.check_in).days)
        rate = f", at {say_money(nightly)} a night as now"
    return offer(conv, Pending.CONFIRM_CHANGE, f"So instead of leaving {day(ref.check_out, today)}"
                 f", you'll leave {day(new, today)}, {say_nights(nights)} in all{rate}. "
                 "Shall I go ahead?")


def _change_words(c: ChangeDraft, ref: BookingRef, conv: Conversation) -> str:
    check_in, nights = _changed_stay(c, ref)
    code = c.room_type or room_code_for_name(ref.room_type)
    room = with_article(room_phrase(code)) if code else f"a {ref.room_type}"
    return (f"{room} for {people(c.guests or ref.guests)}, arriving "
            f"{day(check_in, conv.today())} for {say_nights(nights)}, "
            f"{plan_words(c.rate_plan or ref.rate_plan)}")


def _changes_nothing(c: ChangeDraft, ref: BookingRef) -> bool:
    """Would the change leave the booking as it is ("move it to the weekend" heard as two
    nights, which it already has)?"""
    return ((*_changed_stay(c, ref), c.guests or ref.guests, c.rate_plan or ref.rate_plan)
            == (ref.check_in, (ref.check_out - ref.check_in).days, ref.guests, ref.rate_plan)
            and c.room_type in (None, room_code_for_name(ref.room_type)))


async def change_step(conv: Conversation, u: Understood, *,
                      question: str = "") -> Say:
    """Find the booking, then collect and read back the changes. `question` replaces "What
    would you like to change?" (a guest who asked about their booking is asked whether)."""
    missing = await locate(conv, u)
    if missing is not None:
        if u.has_booking_slots:
            conv.change.asked = u
        return missing
    ref = conv.current
    assert ref is not None
    asked, conv.change.asked = conv.change.asked, None
    if asked is not None:
        apply_change(conv.change, asked, ref)
    apply_change(conv.change, u, ref)
    if conv.change.any() and _changes_nothing(conv.change, ref):
        conv.change = ChangeDraft()
        return ask(conv, "changes", f"Your booking is already {describe(ref, conv)}.")
    if conv.change.any() and in_house(ref):
        return _departure_step(conv, ref)
    if not conv.change.any() and in_house(ref) and _ANOTHER_ROOM.search(u.text):
        return _front_desk(conv, "You're already checked in, so the front desk will need to "
                           "move you. Would you like me to put you through?")
    if not conv.change.any() and in_house(ref) and _EXTEND.search(u.text):
        return ask(conv, "changes", f"You're booked to leave {day(ref.check_out, conv.today())}.",
                   "Until when would you like to stay?")
    if not conv.change.any():
        return ask(conv, "changes", f"I have your booking {say_code(ref.code)}: "
                   f"{describe(ref, conv)}.", question)
    return offer(conv, Pending.CONFIRM_CHANGE, f"So I'll change booking {say_code(ref.code)} "
                 f"to {_change_words(conv.change, ref, conv)}. Shall I go ahead?")


async def commit_change(conv: Conversation) -> Say:
    ref, c = conv.current, conv.change
    assert ref is not None
    args: dict[str, Any] = {
        "confirmation_code": ref.code,
        "check_in": c.check_in.isoformat() if c.check_in else None,
        "check_out": c.check_out.isoformat() if c.check_out else None,
        "nights": c.nights, "guests": c.guests,
        "room_type": room_phrase(c.room_type) if c.room_type else None,
        "rate_plan": c.rate_plan.value if c.rate_plan else None}
    result = await conv.tool("modify_reservation", **args)
    conv.change = ChangeDraft()
    if result.error is not None and result.error.code in _IN_HOUSE_REFUSALS and in_house(ref):
        # Their room is taken on a night asked for: the front desk can move them.
        return _front_desk(conv, result.speech)
    if not result.ok:
        err = result.error
        if err is not None and err.code is E.TOO_MANY_GUESTS and \
                result.data.get("suggested_room_types"):
            # "Would you like a Family Room or Harbor Suite instead?": the guests asked for
            # are kept, so naming a room completes the change.
            conv.change = c
            return ask(conv, "changes", "", result.speech)
        if err is not None and (err.field or err.code is E.TOO_MANY_GUESTS):
            # The tool's own question ("Which date would you like to arrive?") would come
            # before "What would you like to change?": one question is asked.
            return ask(conv, "changes", result.speech.replace(err.question or "", "").strip())
        return offer(conv, Pending.ANYTHING_ELSE, f"{result.speech} {ANYTHING_ELSE}")
    conv.current = BookingRef.from_json(dict(result.data))
    conv.outcomes.append(Outcome.MODIFIED)
    conv.task = None
    said = offer(conv, Pending.OFFER_SMS,
                 f"{result.speech} Would you like the new details by text?")
    return Say(said.text, said.expecting, Outcome.MODIFIED)


async def cancel_step(conv: Conversation, u: Understood) -> Say:
    missing = await locate(conv, u)
    if missing is not None:
        return missing
    ref = conv.current
    assert ref is not None
    if in_house(ref):
        return _front_desk(conv, "You're already checked in, so I can't cancel that booking. "
                           "Would you like me to put you through to the front desk?")
    return offer(conv, Pending.CONFIRM_CANCEL, f"I have booking {say_code(ref.code)}: "
                 f"{describe(ref, conv)}. Shall I cancel it?")


async def commit_cancel(conv: Conversation, *, accept_charge: bool = False) -> Say:
    ref = conv.current
    assert ref is not None
    result = await conv.tool("cancel_reservation", confirmation_code=ref.code,
                             accept_charge=True if accept_charge else None)
    if result.error is not None and result.error.code is E.CONFIRMATION_REQUIRED:
        return offer(conv, Pending.ACCEPT_CHARGE, result.speech)
    conv.task = None
    if not result.ok:
        return offer(conv, Pending.ANYTHING_ELSE, f"{result.speech} {ANYTHING_ELSE}")
    conv.outcomes.append(Outcome.CANCELLED)
    conv.current = None
    said = offer(conv, Pending.ANYTHING_ELSE, f"{result.speech} {ANYTHING_ELSE}")
    return Say(said.text, said.expecting, Outcome.CANCELLED)


async def send_sms(conv: Conversation, u: Understood | None = None) -> Say:
    """Text the booking's confirmation (this call's booking, else the caller's own)."""
    code = conv.last_code or (conv.current.code if conv.current else None)
    if code is None and u is not None:
        missing = await locate(conv, u)
        if missing is not None:
            conv.task = Intent.SMS
            return missing
    if u is not None and re.search(r"\be ?mail\b", u.text):
        conv.task = Intent.SMS  # only texts are sent: the text offered instead
        return offer(conv, Pending.OFFER_SMS, "I can't send emails, I'm afraid, but I can "
                     "text you the confirmation. Would you like that?")
    if u is not None and u.phone is not None:
        # A number the guest said may be misheard, and the text carries their booking.
        conv.task, conv.sms_phone = Intent.SMS, u.phone
        return offer(conv, Pending.CONFIRM_SMS, f"I'll text it to "
                     f"{number_words(u.phone)}. Is that right?")
    return await commit_sms(conv)


async def commit_sms(conv: Conversation) -> Say:
    """Send the text: to the number the guest confirmed, else the booking's or the line's."""
    code = conv.last_code or (conv.current.code if conv.current else None)
    result = await conv.tool("send_sms_confirmation", confirmation_code=code,
                             phone=conv.sms_phone)
    err = result.error
    if err is not None and err.field == "phone":  # no number to text, or one not a number
        conv.task, conv.sms_phone = Intent.SMS, None
        return ask(conv, "phone", result.speech.replace(err.question or "", "").strip(),
                   err.question or "")
    conv.task, conv.sms_phone = None, None
    outcome = Outcome.SMS_SENT if result.ok else None
    if outcome is not None:
        conv.outcomes.append(outcome)
    said = offer(conv, Pending.ANYTHING_ELSE, f"{result.speech} {ANYTHING_ELSE}")
    return Say(said.text, said.expecting, outcome)
