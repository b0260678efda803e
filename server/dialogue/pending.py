"""Answers to the yes/no question the agent just asked (confirmations and offers)."""

from __future__ import annotations

import re

from server.dialogue import booking_flow, calls_flow, reservation_flow, service_flow
from server.dialogue.conversation import Conversation, Pending, Say
from server.dialogue.dates import parse_time
from server.dialogue.intents import Intent
from server.dialogue.items import OrderLine, bare_count
from server.dialogue.speech import ANYTHING_ELSE, ask, offer
from server.dialogue.understanding import Understood
from server.dialogue.yesno import Answer


def anything_else(conv: Conversation, lead: str = "No problem.") -> Say:
    conv.task = None
    return offer(conv, Pending.ANYTHING_ELSE, f"{lead} {ANYTHING_ELSE}")


async def answer(conv: Conversation, u: Understood) -> Say | None:
    """Handle `u` as the answer to `conv.pending`; None when it is not an answer to it."""
    p = conv.pending
    yes, no = u.answer is Answer.YES, u.answer is Answer.NO
    if p is Pending.CONFIRM_BOOKING:
        later = booking_flow.past_the_stay(conv.booking, u)
        if later is not None:
            return booking_flow.ask_which_end(conv, later)
        if booking_flow.apply(conv.booking, u, expecting=None):
            conv.pending = None
            return await booking_flow.next_step(conv)
        if yes:
            return await booking_flow.commit(conv)
        if no:
            return ask(conv, "changes", "No problem.")
        return None
    if p is Pending.CONFIRM_CHANGE:
        if u.has_booking_slots:
            return await reservation_flow.change_step(conv, u)
        if yes:
            return await reservation_flow.commit_change(conv)
        if no:
            return ask(conv, "changes", "No problem.")
        return None
    if p in (Pending.CONFIRM_CANCEL, Pending.ACCEPT_CHARGE):
        if yes:
            return await reservation_flow.commit_cancel(
                conv, accept_charge=p is Pending.ACCEPT_CHARGE)
        if no:
            return anything_else(conv, "Okay, I've left your booking as it is.")
        return None
    if p in (Pending.CONFIRM_ORDER, Pending.OFFER_ORDER):
        count = bare_count(list(u.toks)) if len(conv.order.lines) == 1 else None
        if count is not None:  # "make that two"
            conv.order.lines = [OrderLine(conv.order.lines[0].code, count)]
            return await service_flow.room_service_step(conv, u, amending=True)
        if u.menu or u.room_number:
            return await service_flow.room_service_step(conv, u, amending=True)
        if p is Pending.OFFER_ORDER:
            if yes:
                conv.pending = None
                return await service_flow.room_service_step(conv, u, amending=True)
            return anything_else(conv) if no else None
        if yes:
            return await service_flow.commit_order(conv)
        if no:
            conv.order.lines = []
            return ask(conv, "items", "No problem.", "What would you like instead?")
        return None
    if p is Pending.CONFIRM_SMS:
        if u.phone is not None:  # "no, it's ...": the number read back was misheard
            return await reservation_flow.send_sms(conv, u)
        if yes:
            return await reservation_flow.commit_sms(conv)
        if no:
            conv.sms_phone = None
            return ask(conv, "phone", "No problem.", "Which number should I text it to?")
        return None
    if p is Pending.OFFER_SMS:
        if u.phone is None and not no and re.search(r"\b(different|another|other|new) "
                                                     r"(number|phone|mobile)\b", u.text):
            conv.task = Intent.SMS  # "yes, to a different number": which one
            return ask(conv, "phone", "Of course.", "Which number should I text it to?")
        if yes or u.phone is not None or u.intent is Intent.SMS:
            return await reservation_flow.send_sms(conv, u)
        return await _declined(conv, u) if no else None
    if p is Pending.OFFER_TRANSFER:
        if yes:
            return await calls_flow.transfer(conv, conv.offer_department)
        if no:
            conv.pending = None
            conv.expecting = None
            return Say("No problem. How else can I help?")
        return None
    if p is Pending.CONFIRM_CALLBACK:
        when = parse_time(u.text, conv.ctx.now())
        hour = bare_count(list(u.toks))
        if when is None and hour is not None and 1 <= hour <= 12:
            when = parse_time(f"at {hour}", conv.ctx.now())  # "no, make it four"
        if u.phone is not None or when is not None:
            conv.pending = None  # "no, at four": the time read back was misheard
            conv.callback.when = when or conv.callback.when
            return await calls_flow.callback_step(conv, u)
        if yes:
            return await calls_flow.commit_callback(conv)
        if no:
            conv.callback.when = None
            return ask(conv, "when", "No problem.")
        return None
    if p is Pending.OFFER_CALLBACK:
        if yes or u.intent is Intent.CALLBACK:
            when = parse_time(u.text, conv.ctx.now()) or conv.offer_when
            return await calls_flow.callback_at(conv, when, conv.offer_department)
        return await _declined(conv, u) if no else None
    if p is Pending.OFFER_BOOKING:
        # "Two people", "with breakfast" or the nights offered again: a yes with a detail.
        adds = u.has_booking_slots and not no and booking_flow.same_stay(conv.booking, u)
        if yes or adds or u.room_type is not None or u.intent is Intent.BOOK:
            conv.task = Intent.BOOK
            booking_flow.apply(conv.booking, u, expecting=None)
            conv.pending = None
            return await booking_flow.next_step(conv)
        if u.has_booking_slots and booking_flow.apply(conv.booking, u, expecting=None):
            # "No, Saturday": the stay read back was misheard; check the one asked for.
            conv.pending = None
            return await booking_flow.next_step(conv)
        return await _declined(conv, u) if no else None
    if p is Pending.PICK_ROOM:
        return await booking_flow.pick_room(conv, u)
    if p is Pending.MULTI_ROOM:
        if u.guests is not None or u.room_type is not None:
            return await booking_flow.pick_room(conv, u)
        if yes:
            return await calls_flow.transfer(conv, "reservations", "booking several rooms")
        if no:
            conv.booking.guests = None
            return ask(conv, "guests", "No problem.")
        return None
    if p is Pending.WHICH_END:
        return await booking_flow.place_date(conv, u)
    if p is Pending.CONFIRM_SPELLING:
        return await booking_flow.spelling_answer(conv, u)
    if p is Pending.ANYTHING_ELSE:
        if yes and u.intent is Intent.NONE:
            conv.pending = None
            conv.expecting = None
            return Say("Of course. What can I do for you?")
        if no and u.intent in (Intent.NONE, Intent.BYE, Intent.THANKS):
            return None  # the manager says goodbye
        return None
    return None


async def _declined(conv: Conversation, u: Understood) -> Say | None:
    if u.intent in (Intent.BYE, Intent.THANKS):
        return None
    return anything_else(conv)
