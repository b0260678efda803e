"""In-stay requests and questions: housekeeping, room service (confirmed with its total),
and hotel facts."""

from __future__ import annotations

from sqlalchemy import select

from server.dialogue.conversation import Conversation, OrderDraft, Pending, Say, ServiceDraft
from server.dialogue.items import OrderLine, unknown_item
from server.dialogue.reply import Outcome
from server.dialogue.speech import ANYTHING_ELSE, ask, offer, order_words
from server.dialogue.understanding import Understood
from server.hotel import lookup
from server.hotel.models import Hotel
from server.hotel.speech_format import say_list, say_money, say_room
from server.tools import ToolErrorCode

E = ToolErrorCode


async def _menu_prices(conv: Conversation) -> dict[str, int]:
    """The room-service menu's prices (read once per call), to say the total before ordering."""
    if not conv.menu_prices:
        async with conv.ctx.db.session() as s:
            hotel = await s.scalar(select(Hotel).order_by(Hotel.id).limit(1))
            if hotel is not None:
                conv.menu_prices = {m.code: m.price_pence
                                    for m in await lookup.menu(s, hotel.id)}
    return conv.menu_prices


async def housekeeping_step(conv: Conversation, u: Understood) -> Say:
    d = conv.service
    if u.maintenance:
        d.maintenance = True
        if not u.housekeeping:
            d.items.append(u.text)
    for item in u.housekeeping:
        if item not in d.items:
            d.items.append(item)
    if u.room_number is not None:
        d.room_number = u.room_number
    if not d.items:
        return ask(conv, "items", "Of course.")
    result = await conv.tool("request_housekeeping", items=list(d.items),
                             kind="maintenance" if d.maintenance else None,
                             room_number=d.room_number)
    if not result.ok:
        err = result.error
        if err is not None and err.field == "room_number":
            d.room_number = None
            conv.expecting = "room_number"
            return Say(result.speech, expecting="room_number")
        return offer(conv, Pending.ANYTHING_ELSE, f"{result.speech} {ANYTHING_ELSE}")
    conv.outcomes.append(Outcome.HOUSEKEEPING_REQUESTED)
    conv.service = ServiceDraft()
    conv.task = None
    said = offer(conv, Pending.ANYTHING_ELSE, f"{result.speech} {ANYTHING_ELSE}")
    return Say(said.text, said.expecting, Outcome.HOUSEKEEPING_REQUESTED)


def _merge(order: OrderDraft, lines: tuple[OrderLine, ...], *, replace: bool) -> None:
    for line in lines:
        old = next((i for i, x in enumerate(order.lines) if x.code == line.code), None)
        if old is None:
            order.lines.append(line)
        elif replace:
            order.lines[old] = line
        else:
            order.lines[old] = OrderLine(line.code, order.lines[old].quantity + line.quantity)


def _menu_speech(prices: dict[str, int]) -> str:
    from server.dialogue.items import MENU_NAMES

    return say_list([MENU_NAMES[c].lower() for c in prices if c in MENU_NAMES])


async def room_service_step(conv: Conversation, u: Understood, *, amending: bool = False) -> Say:
    order = conv.order
    replace = amending and not any(w in u.toks for w in ("add", "also", "another", "extra"))
    _merge(order, u.menu, replace=replace)
    if u.room_number is not None:
        order.room_number = u.room_number
    prices = await _menu_prices(conv)
    if not order.lines:
        wanted = unknown_item(list(u.toks))
        if wanted is not None and conv.expecting in ("items", None) and not amending:
            result = await conv.tool("order_room_service", items=[{"item": wanted,
                                                                   "quantity": 1}],
                                     room_number=order.room_number or conv.caller_room)
            if result.error is not None and result.error.code is E.UNKNOWN_MENU_ITEM:
                conv.expecting = "items"
                conv.pending = None
                return Say(result.speech, expecting="items")
            if not result.ok:
                return offer(conv, Pending.ANYTHING_ELSE, f"{result.speech} {ANYTHING_ELSE}")
        return ask(conv, "items", f"From room service we have {_menu_speech(prices)}.")
    room = order.room_number or conv.caller_room
    if room is None:
        return ask(conv, "room_number", "Certainly.")
    order.room_number = room
    total = sum(prices.get(x.code, 0) * x.quantity for x in order.lines)
    return offer(conv, Pending.CONFIRM_ORDER, f"That's {order_words(order.lines)} to "
                 f"{say_room(room)}, {say_money(total)} in total, charged to the room. "
                 "Shall I place the order?")


async def commit_order(conv: Conversation) -> Say:
    order = conv.order
    result = await conv.tool("order_room_service",
                             items=[{"item": x.name, "quantity": x.quantity}
                                    for x in order.lines],
                             room_number=order.room_number)
    conv.task = None
    conv.order = OrderDraft()
    if not result.ok:
        return offer(conv, Pending.ANYTHING_ELSE, f"{result.speech} {ANYTHING_ELSE}")
    conv.outcomes.append(Outcome.ROOM_SERVICE_ORDERED)
    said = offer(conv, Pending.ANYTHING_ELSE, f"{result.speech} {ANYTHING_ELSE}")
    return Say(said.text, said.expecting, Outcome.ROOM_SERVICE_ORDERED)


async def info_step(conv: Conversation, u: Understood) -> Say:
    if u.topic is None:
        # Through the tool all the same: it answers unknown topics with what it does know.
        result = await conv.tool("hotel_info", topic=" ".join(u.toks[-2:]) or "other")
        return offer(conv, Pending.OFFER_TRANSFER, "I'm afraid I don't have that "
                     "information to hand. Would you like me to put you through to the "
                     "front desk?") if not result.ok else Say(result.speech)
    result = await conv.tool("hotel_info", topic=u.topic.value)
    conv.task, conv.last_topic = None, u.topic
    if not result.ok:
        return offer(conv, Pending.OFFER_TRANSFER, f"{result.speech}")
    conv.outcomes.append(Outcome.INFO_GIVEN)
    said = offer(conv, Pending.ANYTHING_ELSE, f"{result.speech} {ANYTHING_ELSE}")
    return Say(said.text, said.expecting, Outcome.INFO_GIVEN)
