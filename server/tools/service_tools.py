"""In-stay service tools: request_housekeeping, order_room_service, hotel_info."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from server.hotel import lookup
from server.hotel.enums import RequestStatus, ServiceKind, Topic
from server.hotel.models import Department, HotelFact, MenuItem, Reservation, Room, ServiceRequest
from server.hotel.speech_format import (
    say_list,
    say_money,
    say_number,
    say_phone,
    say_room,
    say_time,
)
from server.tools.invocation import Invocation
from server.tools.registry import tool
from server.tools.results import JSONValue, ToolErrorCode, ToolFailure, ToolResult, success

E = ToolErrorCode
ROOM_NUMBER = {"type": "string", "description": "the guest's room number; defaults to the "
                                                "caller's current room"}
QUESTIONS = {
    "room_number": "What's your room number?",
    "items": "What would you like?",
    "topic": "What would you like to know about: breakfast, parking, the pool, the gym, pets, "
             "Wi-Fi, check-in or check-out times, smoking, cancellation, our address or our "
             "phone number?",
    "kind": "Is that for housekeeping or for maintenance?",
}


async def _room(inv: Invocation) -> tuple[Room, Reservation | None]:
    """The room named in the arguments, else the caller's current room."""
    hotel = inv.the_hotel
    stay = await lookup.in_house_reservation(inv.db, hotel.id, inv.ctx.caller_e164,
                                             inv.ctx.today())
    number = inv.args.opt_text("room_number")
    if number is None:
        if stay is None or stay.room_id is None:
            raise inv.args.missing("room_number")
        room = await inv.db.get(Room, stay.room_id)
        assert room is not None
        return room, stay
    room = await lookup.room_by_number(inv.db, hotel.id, number)
    if room is None:
        raise ToolFailure(E.UNKNOWN_ROOM, f"I can't find room {number}.",
                          question=QUESTIONS["room_number"], field="room_number")
    return room, stay if stay is not None and stay.room_id == room.id else None


@dataclass(frozen=True, slots=True)
class Closed:
    """A department closed now: its name, and when it opens."""

    name: str
    next_open: dt.datetime

    @property
    def opens(self) -> str:
        """ "Housekeeping opens at seven o'clock in the morning." """
        return f"{self.name.capitalize()} opens at {say_time(self.next_open.time())}."

    @property
    def speech(self) -> str:
        """ "Room service is closed right now; it opens at ..." """
        return (f"{self.name.capitalize()} is closed right now; it opens at "
                f"{say_time(self.next_open.time())}.")


def closed_now(departments: Sequence[Department], key: str, now: dt.datetime) -> Closed | None:
    """Whether department `key` is closed at `now` (hotel-local); None if open, open around
    the clock, or not found."""
    dept = next((d for d in departments if d.key == key), None)
    if dept is None:
        return None
    op = lookup.opening(dept, now)
    return None if op.open_now or op.next_open is None else Closed(dept.name, op.next_open)


def room_service_closed(departments: Sequence[Department], now: dt.datetime) -> Closed | None:
    """Whether room service is closed at `now`. The tool refuses an order then, and the
    offline dialogue says so before taking one."""
    return closed_now(departments, "room_service", now)


async def _department_note(inv: Invocation, key: str) -> str:
    closed = closed_now(await lookup.departments(inv.db, inv.the_hotel.id), key, inv.ctx.now())
    return f" {closed.opens}" if closed is not None else ""


@tool("request_housekeeping",
      "Ask housekeeping (towels, cleaning, pillows...) or maintenance (something broken) to "
      "visit a room, or tell housekeeping not to disturb it (kind do_not_disturb).",
      {"room_number": ROOM_NUMBER,
       "kind": {"type": "string", "enum": [k.value for k in ServiceKind
                                           if k is not ServiceKind.ROOM_SERVICE]},
       "items": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1},
                 "description": "what is needed, e.g. ['extra towels', 'two pillows']"},
       "timing": {"type": "string", "minLength": 1, "maxLength": 60,
                  "description": "when the guest wants the visit (or no visit), as words "
                                 "that follow 'someone will come', e.g. 'this afternoon', "
                                 "'after lunch', 'at three o'clock'; leave out for as soon "
                                 "as possible"},
       "details": {"type": "string"}},
      ("items",), questions=QUESTIONS)
async def request_housekeeping(inv: Invocation) -> ToolResult:
    a = inv.args
    kind = ServiceKind(a.opt_text("kind") or ServiceKind.HOUSEKEEPING.value)
    room, stay = await _room(inv)
    items = [str(i).strip() for i in a.array("items") if str(i).strip()]
    timing, details = a.opt_text("timing"), a.opt_text("details") or ""
    wanted = f"wanted {timing}" if timing and timing not in details else ""
    notes = "; ".join(x for x in (wanted, details) if x)  # for staff
    req = ServiceRequest(hotel_id=inv.the_hotel.id, kind=kind.value, room_id=room.id,
                         guest_id=stay.guest_id if stay else None,
                         items=[{"item": i} for i in items], notes=notes,
                         total_pence=0, status=RequestStatus.OPEN.value,
                         call_id=inv.ctx.call_id)
    inv.db.add(req)
    await inv.db.flush()
    data: dict[str, JSONValue] = {"request_id": req.id, "kind": kind.value,
                                  "room_number": room.number, "items": list(items),
                                  "status": req.status, "timing": timing}
    if kind is ServiceKind.DO_NOT_DISTURB:  # nobody is coming
        return success(inv.tool, "I've let housekeeping know not to disturb you in "
                       f"{say_room(room.number)}{f' {timing}' if timing else ''}.", data)
    note = await _department_note(inv, kind.value)
    # A fault is kept in the guest's words for staff; said back, "for my toilet is blocked"
    # would not be English.
    what = (f"for {say_list(items)}" if kind is ServiceKind.HOUSEKEEPING
            else "to sort it out")
    who = "housekeeping" if kind is ServiceKind.HOUSEKEEPING else "maintenance"
    when = f" Someone will come {timing}." if timing else " Someone will be with you shortly."
    return success(inv.tool, f"I've asked {who} to come to {say_room(room.number)} {what}."
                   f"{note or when}", data)


# How long an order takes to arrive, as said to the guest.
ROOM_SERVICE_WAIT = "about thirty minutes"


def _plural(name: str, qty: int) -> str:
    base = name.split(" (")[0].lower()
    if qty == 1:
        return f"one {base}"
    if " of " in base:
        head, tail = base.split(" of ", 1)
        return f"{say_number(qty)} {head}s of {tail}"
    if base.endswith("s"):
        return f"{say_number(qty)} portions of {base}"
    suffix = "es" if base.endswith(("ch", "sh")) else "s"
    return f"{say_number(qty)} {base}{suffix}"


@tool("order_room_service",
      "Order food and drink from the room-service menu to a room.",
      {"room_number": ROOM_NUMBER,
       "items": {"type": "array", "minItems": 1, "items": {
           "type": "object", "additionalProperties": False, "required": ["item"],
           "properties": {"item": {"type": "string", "minLength": 1},
                          "quantity": {"type": "integer", "minimum": 1, "maximum": 20}}},
                 "description": "menu items with quantities"},
       "notes": {"type": "string", "description": "allergies or requests"}},
      ("items",), questions=QUESTIONS)
async def order_room_service(inv: Invocation) -> ToolResult:
    a, hotel = inv.args, inv.the_hotel
    closed = room_service_closed(await lookup.departments(inv.db, hotel.id), inv.ctx.now())
    if closed is not None:
        raise ToolFailure(E.DEPARTMENT_CLOSED, closed.speech,
                          question="Is there anything else I can help with?",
                          data={"next_open": closed.next_open.isoformat()})
    menu = await lookup.menu(inv.db, hotel.id)
    lines: list[tuple[MenuItem, int]] = []
    for entry in a.array("items"):
        item = lookup.match_menu_item(menu, str(entry["item"]))
        if item is None:
            names = [m.name.split(" (")[0].lower() for m in menu]
            raise ToolFailure(E.UNKNOWN_MENU_ITEM,
                              f"I'm sorry, {entry['item']} isn't on our room-service menu.",
                              question=f"We have {say_list(names)}. What would you like?",
                              field="items",
                              data={"menu": [{"item": m.name, "price_pence": m.price_pence}
                                             for m in menu]})
        lines.append((item, int(entry.get("quantity", 1))))
    room, stay = await _room(inv)
    total = sum(item.price_pence * qty for item, qty in lines)
    items_json: list[JSONValue] = [
        {"code": i.code, "item": i.name, "quantity": q, "unit_pence": i.price_pence}
        for i, q in lines]
    req = ServiceRequest(hotel_id=hotel.id, kind=ServiceKind.ROOM_SERVICE.value,
                         room_id=room.id, guest_id=stay.guest_id if stay else None,
                         items=items_json, notes=a.opt_text("notes") or "", total_pence=total,
                         status=RequestStatus.OPEN.value, call_id=inv.ctx.call_id)
    inv.db.add(req)
    await inv.db.flush()
    said = say_list([_plural(i.name, q) for i, q in lines])
    return success(inv.tool, f"That's {said} for {say_room(room.number)}, "
                   f"{say_money(total)} in total, charged to the room. It'll be with you in "
                   f"{ROOM_SERVICE_WAIT}.",
                   {"request_id": req.id, "room_number": room.number, "items": list(items_json),
                    "total_pence": total})


@tool("hotel_info",
      "Answer a question about the hotel: breakfast, parking, pool, gym, pets, wifi, check_in, "
      "check_out, smoking, cancellation, address or phone (the hotel's own number).",
      {"topic": {"type": "string", "enum": [t.value for t in Topic]}},
      ("topic",), questions=QUESTIONS, invalid_codes={"topic": E.UNKNOWN_TOPIC})
async def hotel_info(inv: Invocation) -> ToolResult:
    topic = Topic(inv.args.text("topic"))
    if topic is Topic.PHONE:
        said = f"Our phone number is {say_phone(inv.the_hotel.phone)}."
        return success(inv.tool, said, {"topic": topic.value, "answer": said})
    fact = await inv.db.scalar(select(HotelFact).where(HotelFact.hotel_id == inv.the_hotel.id,
                                                       HotelFact.topic == topic.value))
    if fact is None:
        raise ToolFailure(E.UNKNOWN_TOPIC, "I don't have that information to hand.",
                          question="Shall I put you through to the front desk?")
    return success(inv.tool, fact.text, {"topic": topic.value, "answer": fact.text})
