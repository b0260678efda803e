"""Controlling the live call: transfer to staff, hold music, IVR digits, staff announcements,
ending the call."""

from __future__ import annotations

import asyncio

from server.hotel import demo_data, lookup
from server.hotel.enums import (
    TransferStatus,
)
from server.hotel.hold_music import hold_music
from server.hotel.models import (
    Transfer,
)
from server.hotel.speech_format import (
    say_time,
)
from server.tools.context import TransferTarget
from server.tools.invocation import Invocation
from server.tools.registry import tool
from server.tools.results import (
    JSONObject,
    ToolErrorCode,
    ToolFailure,
    ToolResult,
    failure,
    success,
)
from server.tools.shared_args import DEPARTMENT_Q

E = ToolErrorCode


def _no_hooks(what: str) -> ToolFailure:
    return ToolFailure(E.NOT_AVAILABLE_ON_THIS_CALL, f"I can't {what} on this call.")


@tool("transfer_to_human",
      "Transfer the caller to a hotel department (front desk, reservations, housekeeping, room "
      "service, concierge, manager on duty). Outside the department's hours, offers a callback.",
      {"department": {"type": "string", "description": "department name"},
       "reason": {"type": "string", "description": "why, in a few words, for the staff member"}},
      ("department",), questions={"department": DEPARTMENT_Q})
async def transfer_to_human(inv: Invocation) -> ToolResult:
    a, hotel, ctx = inv.args, inv.the_hotel, inv.ctx
    query = a.text("department")
    dept = await lookup.match_department(inv.db, hotel.id, query)
    if dept is None:
        raise ToolFailure(E.UNKNOWN_DEPARTMENT, f"We don't have a department called {query}.",
                          question=DEPARTMENT_Q, field="department")
    reason = a.opt_text("reason") or ""
    said = lookup.department_phrase(dept)
    op = lookup.opening(dept, ctx.now())
    row = Transfer(call_id=ctx.call_id, department=dept.key, reason=reason,
                   status=TransferStatus.CONNECTING.value)
    inv.db.add(row)
    await inv.db.flush()
    data: JSONObject = {"transfer_id": row.id, "department": dept.key, "name": dept.name,
                        "extension": dept.extension}
    if not op.open_now and op.next_open is not None:
        row.status = TransferStatus.CLOSED_CALLBACK_OFFERED.value
        data["next_open"] = op.next_open.isoformat()
        opens = (f"{say_time(op.next_open.time())}"
                 + (" tomorrow" if op.next_open.date() != ctx.today() else ""))
        return failure(inv.tool, E.DEPARTMENT_CLOSED,
                       f"I'm sorry, {said} is closed at the moment; they open at {opens}.",
                       question="Would you like them to call you back then?",
                       field="department", data=data)
    if ctx.hooks is None:
        row.status = TransferStatus.QUEUED.value
        data["status"] = row.status
        return success(inv.tool, f"I've let {said} know, and someone will be with you "
                       "shortly.", data)
    target = TransferTarget(dept.key, dept.name, dept.extension, reason, row.id)
    if not await ctx.hooks.transfer(target):
        row.status = TransferStatus.FAILED.value
        return failure(inv.tool, E.TRANSFER_FAILED, f"I'm sorry, I couldn't reach {said}.",
                       question="Would you like them to call you back?", data=data)
    data["status"] = row.status
    return success(inv.tool, f"I'll put you through to {said} now.", data)


@tool("play_hold_music", "Play hold music to the caller while they wait.",
      {"reason": {"type": "string"}}, uses_db=False)
async def play_hold_music(inv: Invocation) -> ToolResult:
    hooks = inv.ctx.hooks
    if hooks is None:
        raise _no_hooks("play music")
    music = await asyncio.to_thread(hold_music)
    if not await hooks.play_hold_music(music):
        raise _no_hooks("play music")
    return success(inv.tool, "Please hold for a moment.",
                   {"duration_s": music.duration_s, "sample_rate": music.sample_rate})


def _menu_prompt(options: tuple[demo_data.IvrOption, ...]) -> str:
    return " ".join(f"For {o.label}, press {o.digit}." for o in options)


@tool("handle_ivr_menu",
      "Interpret keypad digits pressed by the caller (the whole sequence so far, e.g. '21'). "
      "Returns the department or intent chosen, or the next menu to read out.",
      {"digits": {"type": "string", "pattern": "^[0-9*#]*$", "maxLength": 8}},
      questions={"digits": "Please press a key on your keypad."}, uses_db=False)
async def handle_ivr_menu(inv: Invocation) -> ToolResult:
    digits = inv.args.opt_text("digits") or ""
    options = demo_data.IVR_MENU
    path: list[str] = []
    for d in digits.replace("#", ""):
        if d == "*":  # star: back to the main menu
            options, path = demo_data.IVR_MENU, []
            continue
        chosen = next((o for o in options if o.digit == d), None)
        if chosen is None:
            return failure(inv.tool, E.INVALID_ARGUMENT, f"Sorry, {d} isn't an option.",
                           question=_menu_prompt(options), field="digits",
                           data={"action": "menu", "path": list(path)})
        path.append(chosen.label)
        if chosen.submenu:
            options = chosen.submenu
            continue
        data: JSONObject = {"path": list(path), "label": chosen.label}
        if chosen.department:
            data.update(action="transfer", department=chosen.department)
            return success(inv.tool, f"Connecting you to {chosen.label}.", data)
        data.update(action="intent", intent=chosen.intent)
        return success(inv.tool, f"Of course. How can I help with {chosen.label}?", data)
    return success(inv.tool, _menu_prompt(options) + " To go back, press star.",
                   {"action": "menu", "path": list(path),
                    "options": [{"digit": o.digit, "label": o.label} for o in options]})


@tool("announce_to_session",
      "Staff only: speak a short message into this live call.",
      {"text": {"type": "string", "minLength": 1, "maxLength": 500}}, ("text",),
      questions={"text": "What should I say?"}, uses_db=False)
async def announce_to_session(inv: Invocation) -> ToolResult:
    hooks = inv.ctx.hooks
    text = inv.args.text("text")
    if hooks is None or not await hooks.speak_announcement(text):
        raise _no_hooks("make announcements")
    return success(inv.tool, "", {"announced": text})


@tool("end_call", "End the call politely once the guest has nothing else.",
      {"reason": {"type": "string"}})
async def end_call(inv: Invocation) -> ToolResult:
    return success(inv.tool, f"Thank you for calling {inv.the_hotel.name}. Goodbye!",
                   {"reason": inv.args.opt_text("reason") or "completed"}, end_call=True)
