"""Moving the call to people: transfers (with a callback offer when closed) and callbacks."""

from __future__ import annotations

import datetime as dt

from server.dialogue.conversation import CallbackDraft, Conversation, Pending, Say
from server.dialogue.dates import parse_time
from server.dialogue.reply import Outcome
from server.dialogue.speech import ANYTHING_ELSE, ask, number_words, offer
from server.dialogue.understanding import Understood
from server.hotel import lookup
from server.hotel.speech_format import say_datetime
from server.tools import ToolErrorCode

E = ToolErrorCode
DEPARTMENT_NAMES = {"front_desk": "front desk", "reservations": "reservations",
                    "housekeeping": "housekeeping", "room_service": "room service",
                    "concierge": "concierge", "manager": "manager on duty"}


def department_words(key: str) -> str:
    """How a department sits in a sentence: "the front desk", "reservations"."""
    return lookup.department_words(key, DEPARTMENT_NAMES[key])


async def transfer(conv: Conversation, department: str, reason: str = "") -> Say:
    result = await conv.tool("transfer_to_human", department=DEPARTMENT_NAMES[department],
                             reason=reason or None)
    conv.task = None
    if result.ok:
        conv.outcomes.append(Outcome.TRANSFERRED)
        conv.pending = None
        conv.expecting = None
        return Say(result.speech, outcome=Outcome.TRANSFERRED)
    if result.error is not None and result.error.code in (E.DEPARTMENT_CLOSED,
                                                          E.TRANSFER_FAILED):
        conv.offer_department = department
        opens = result.data.get("next_open")
        conv.offer_when = dt.datetime.fromisoformat(opens) if isinstance(opens, str) else None
        return offer(conv, Pending.OFFER_CALLBACK, result.speech)
    return offer(conv, Pending.ANYTHING_ELSE, f"{result.speech} {ANYTHING_ELSE}")


def _callback_department(u: Understood) -> str | None:
    if u.department in (None, "front_desk"):
        return None
    return u.department


async def callback_step(conv: Conversation, u: Understood) -> Say:
    d = conv.callback
    when = parse_time(u.text, conv.ctx.now())
    if when is not None:
        d.when = when
    d.department = _callback_department(u) or d.department
    if u.phone is not None:
        d.phone = u.phone
    if d.when is None:
        who = department_words(d.department) if d.department in DEPARTMENT_NAMES else "us"
        return ask(conv, "when", question=f"When would be a good time for {who} to call you "
                   "back?")
    if d.phone is None and conv.ctx.caller_e164 is None:
        return ask(conv, "phone")
    return _read_back(conv)


async def callback_at(conv: Conversation, when: dt.datetime | None, department: str) -> Say:
    """The guest accepted a callback offered after a closed department."""
    conv.callback = CallbackDraft(when=when, department=department,
                                  reason="asked for a callback when the department opens")
    if when is None:
        return ask(conv, "when")
    if conv.ctx.caller_e164 is None:
        return ask(conv, "phone")
    return _read_back(conv)


def _read_back(conv: Conversation) -> Say:
    """The time and number are said back before the callback is arranged: either may have been
    misheard, and the caller's own line may not be the number they want to be called on."""
    d = conv.callback
    assert d.when is not None
    who = department_words(d.department) if d.department in DEPARTMENT_NAMES \
        else "one of the team"
    number = d.phone or conv.ctx.caller_e164
    on = f" on {number_words(number)}" if number else ""
    return offer(conv, Pending.CONFIRM_CALLBACK,
                 f"So {who} will call you back {say_datetime(d.when, today=conv.today())}"
                 f"{on}. Shall I arrange that?")


async def commit_callback(conv: Conversation) -> Say:
    d = conv.callback
    assert d.when is not None
    result = await conv.tool("schedule_callback",
                             when=d.when.replace(tzinfo=None).isoformat(timespec="minutes"),
                             phone=d.phone,
                             department=DEPARTMENT_NAMES.get(d.department or ""),
                             reason=d.reason or None)
    if not result.ok:
        err = result.error
        if err is not None and err.field in ("when", "phone"):
            setattr(d, err.field, None)
            conv.expecting = err.field
            conv.pending = None
            return Say(result.speech, expecting=err.field)
        return offer(conv, Pending.ANYTHING_ELSE, f"{result.speech} {ANYTHING_ELSE}")
    conv.outcomes.append(Outcome.CALLBACK_SCHEDULED)
    conv.callback = CallbackDraft()
    conv.task = None
    said = offer(conv, Pending.ANYTHING_ELSE, f"{result.speech} {ANYTHING_ELSE}")
    return Say(said.text, said.expecting, Outcome.CALLBACK_SCHEDULED)
