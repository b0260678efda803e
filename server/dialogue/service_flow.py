"""In-stay requests and questions: housekeeping, room service (confirmed with its total),
and hotel facts."""

from __future__ import annotations

import re

from server.dialogue import reservation_flow
from server.dialogue.conversation import (
    BookingRef,
    Conversation,
    OrderDraft,
    Pending,
    Say,
    ServiceDraft,
)
from server.dialogue.intents import Intent
from server.dialogue.items import (
    DO_NOT_DISTURB,
    MENU_NAMES,
    OrderLine,
    also_asked,
    order_notes,
    unknown_item,
    visit_timing,
)
from server.dialogue.reply import Outcome
from server.dialogue.speech import ANYTHING_ELSE, ask, offer, order_words
from server.dialogue.understanding import Understood
from server.dialogue.yesno import Answer
from server.hotel import lookup
from server.hotel.enums import RatePlan, ServiceKind, Topic
from server.hotel.speech_format import say_list, say_money, say_room
from server.tools import ToolErrorCode
from server.tools.service_tools import ROOM_SERVICE_WAIT, room_service_closed

E = ToolErrorCode


# A question about a menu item rather than an order: "how much is the pizza?", "do you have
# sparkling water?"
_PRICE_QUESTION = (r"^(how much|what's the price|what is the price|what does|what do|"
                   r"how expensive|do you (have|do|serve|sell)|have you got|is there|are there)\b")
_HOW_LONG = r"\b(how long|how quickly|how soon|when will (it|my|our|the))\b"
# "Is the fish gluten free?", "what vegetarian options do you have?": the kitchen knows, the
# menu here does not.
_DIETARY = r"\b(vegetarian|vegan|gluten|allerg\w*|dairy|lactose|nuts?|halal|kosher|ingredients)\b"
_ASKS = r"^(is|are|does|do|what|what's|which|can you tell me|have you got|has)\b"


async def _menu_prices(conv: Conversation) -> dict[str, int]:
    """The room-service menu's prices (read once per call), to say the total before ordering."""
    if not conv.menu_prices:
        conv.menu_prices = {m.code: m.price_pence for m in await conv.hotel_rows(lookup.menu)}
    return conv.menu_prices


async def housekeeping_step(conv: Conversation, u: Understood) -> Say:
    d = conv.service
    d.said.append(u.text)
    if u.menu:  # "towels, and can you send up a pot of tea": offered once the towels are asked
        conv.order.lines = list(u.menu)
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
    kind = (ServiceKind.DO_NOT_DISTURB if d.items == [DO_NOT_DISTURB]
            else ServiceKind.MAINTENANCE if d.maintenance else None)
    result = await conv.tool("request_housekeeping", items=list(d.items), kind=kind,
                             room_number=d.room_number, timing=visit_timing(d.said),
                             details="; ".join(d.said))
    if not result.ok:
        err = result.error
        if err is not None and err.field == "room_number":
            d.room_number = None
            conv.expecting = "room_number"
            return Say(result.speech, expecting="room_number")
        return offer(conv, Pending.ANYTHING_ELSE, f"{result.speech} {ANYTHING_ELSE}")
    conv.outcomes.append(Outcome.HOUSEKEEPING_REQUESTED)
    done = result.speech
    room = result.data.get("room_number")
    conv.service = ServiceDraft()
    conv.task = None
    if conv.order.lines:  # to the room housekeeping was sent to
        conv.order.room_number = room if isinstance(room, str) else None
        said = await _order_too(conv, done)
    else:
        said = offer(conv, Pending.ANYTHING_ELSE, f"{done} {ANYTHING_ELSE}")
    return Say(said.text, said.expecting, Outcome.HOUSEKEEPING_REQUESTED)


async def _order_too(conv: Conversation, done: str) -> Say:
    """After a housekeeping request that also named menu items: the order offered (it was
    dropped unsaid), or room service's hours if it is closed."""
    closed = room_service_closed(await conv.hotel_rows(lookup.departments), conv.ctx.now())
    if closed is not None:
        conv.order = OrderDraft()
        return offer(conv, Pending.ANYTHING_ELSE, f"{done} {closed.speech} {ANYTHING_ELSE}")
    conv.task = Intent.ROOM_SERVICE
    return offer(conv, Pending.OFFER_ORDER, f"{done} Shall I also order "
                 f"{order_words(conv.order.lines)} from room service?")


def _merge(order: OrderDraft, lines: tuple[OrderLine, ...], *, replace: bool) -> None:
    for line in lines:
        old = next((i for i, x in enumerate(order.lines) if x.code == line.code), None)
        if old is None:
            order.lines.append(line)
        elif replace:
            # "Margherita" after "two pizzas" says which pizza, not how many.
            order.lines[old] = line if line.counted else order.lines[old]
        else:
            order.lines[old] = OrderLine(line.code, order.lines[old].quantity + line.quantity)


def _for_kitchen(order: OrderDraft) -> str:
    """ "I'll tell the kitchen: no cheese." ('' with no notes)"""
    return f"I'll tell the kitchen: {', '.join(order.notes)}." if order.notes else ""


def _menu_speech(prices: dict[str, int]) -> str:
    return say_list([MENU_NAMES[c].lower() for c in prices if c in MENU_NAMES])


def asks_wait(u: Understood) -> bool:
    """"How long will it take?" """
    return re.search(_HOW_LONG, u.text) is not None


def wait_answer(conv: Conversation) -> Say:
    conv.task = None
    return offer(conv, Pending.ANYTHING_ELSE, "Room service usually arrives in "
                 f"{ROOM_SERVICE_WAIT}. {ANYTHING_ELSE}")


async def room_service_step(conv: Conversation, u: Understood, *, amending: bool = False) -> Say:
    order = conv.order
    prices = await _menu_prices(conv)
    if not amending and not order.lines:
        if asks_wait(u):
            return wait_answer(conv)
        if re.search(_DIETARY, u.text) and re.search(_ASKS, u.text):
            conv.task, conv.offer_department = None, "room_service"
            return offer(conv, Pending.OFFER_TRANSFER, "I'm afraid I don't have that "
                         "information to hand, but room service can tell you. Would you "
                         "like me to put you through?")
        # Outside room service's hours the guest hears so before choosing anything, not
        # after the order has been read back.
        closed = room_service_closed(await conv.hotel_rows(lookup.departments),
                                     conv.ctx.now())
        if u.menu and re.search(_PRICE_QUESTION, u.text):
            said = " and ".join(f"{'the' if i == 0 else 'a'} {x.name.lower()} is "
                                f"{say_money(prices.get(x.code, 0))}"
                                for i, x in enumerate(u.menu))
            lead = "Yes, t" if u.toks[0] in ("do", "have", "is", "are") else "T"
            if closed is not None:
                conv.task = None
                return offer(conv, Pending.ANYTHING_ELSE,
                             f"{lead}{said[1:]}. {closed.speech} {ANYTHING_ELSE}")
            order.lines = list(u.menu)
            one = len(u.menu) == 1 and u.menu[0].quantity == 1
            return offer(conv, Pending.OFFER_ORDER, f"{lead}{said[1:]}. Would you like to "
                         f"order {'one' if one else 'them'}?")
        if closed is not None:
            conv.task = None
            return offer(conv, Pending.ANYTHING_ELSE,
                         f"I'm sorry. {closed.speech} {ANYTHING_ELSE}")
    replace = amending and not any(w in u.toks for w in ("add", "also", "another", "extra"))
    if replace and u.menu and (u.answer is Answer.NO or "instead" in u.toks or
                               "make" in u.toks):
        order.lines = []  # "no, make it fish and chips": instead of what was read back
    _merge(order, u.menu, replace=replace)
    order.notes += [n for n in order_notes(list(u.toks)) if n not in order.notes]
    if u.room_number is not None:
        order.room_number = u.room_number
    if not order.lines:
        wanted = unknown_item(list(u.toks))
        if wanted is not None and conv.expecting in ("items", None) and not amending:
            # "Some chips" is the fish and chips: read back before ordering. The tool would
            # place it at once, so only what is not on the menu goes to it (to be refused).
            item = lookup.match_menu_item(await conv.hotel_rows(lookup.menu), wanted)
            if item is None:
                result = await conv.tool("order_room_service",
                                         items=[{"item": wanted, "quantity": 1}],
                                         room_number=order.room_number or conv.caller_room)
                if result.error is not None and result.error.code is E.UNKNOWN_MENU_ITEM:
                    conv.expecting, conv.pending = "items", None
                    return Say(result.speech, expecting="items")  # with the menu, asked
                return offer(conv, Pending.ANYTHING_ELSE, f"{result.speech} {ANYTHING_ELSE}")
            order.lines.append(OrderLine(item.code, 1))
        else:
            return ask(conv, "items", f"{_for_kitchen(order)} From room service we have "
                       f"{_menu_speech(prices)}.".lstrip())
    lead = ""
    extra = also_asked(list(u.toks)) if u.menu and not amending else None
    if extra is not None:  # "a club sandwich and a coke": the coke is not dropped unsaid
        item = lookup.match_menu_item(await conv.hotel_rows(lookup.menu), extra)
        if item is None:
            lead = f"I'm sorry, {extra} isn't on our room-service menu. "
        elif all(x.code != item.code for x in order.lines):
            order.lines.append(OrderLine(item.code, 1))
    room = order.room_number or conv.caller_room
    if room is None:
        return ask(conv, "room_number", lead.strip() or "Certainly.")
    order.room_number = room
    total = sum(prices.get(x.code, 0) * x.quantity for x in order.lines)
    how = f" {_for_kitchen(order)}" if order.notes else ""
    return offer(conv, Pending.CONFIRM_ORDER, f"{lead}That's {order_words(order.lines)} to "
                 f"{say_room(room)}, {say_money(total)} in total, charged to the room.{how} "
                 "Shall I place the order?")


async def commit_order(conv: Conversation) -> Say:
    order = conv.order
    result = await conv.tool("order_room_service",
                             items=[{"item": x.name, "quantity": x.quantity}
                                    for x in order.lines],
                             room_number=order.room_number,
                             notes="; ".join(order.notes) or None)
    conv.task = None
    conv.order = OrderDraft()
    if not result.ok:
        return offer(conv, Pending.ANYTHING_ELSE, f"{result.speech} {ANYTHING_ELSE}")
    conv.outcomes.append(Outcome.ROOM_SERVICE_ORDERED)
    said = offer(conv, Pending.ANYTHING_ELSE, f"{result.speech} {ANYTHING_ELSE}")
    return Say(said.text, said.expecting, Outcome.ROOM_SERVICE_ORDERED)


async def arriving_late(conv: Conversation) -> Say:
    """"I'm running late": when check-in starts, and whether someone is there at any hour."""
    result = await conv.tool("hotel_info", topic="check_in")
    depts = await conv.hotel_rows(lookup.departments)
    desk = next((d for d in depts if d.key == "front_desk"), None)
    always = desk is not None and (desk.opens is None or desk.closes is None)
    after = ("The front desk is open around the clock, so you can check in whenever you "
             "arrive." if always else "Please let the front desk know when you expect to "
             "arrive.")
    conv.task = None
    return offer(conv, Pending.ANYTHING_ELSE,
                 f"That's no problem. {result.speech} {after} {ANYTHING_ELSE}")


# "Does my booking include breakfast?": the caller's own booking, not the hotel's.
_OWN_STAY = re.compile(r"\b(my|our) (booking|reservation|stay|room)\b")


async def _own_breakfast(conv: Conversation) -> str:
    """Whether the caller's booking includes breakfast, said before the breakfast fact; '' if
    the booking is not known (no number, none or several bookings under it)."""
    ref = conv.current
    if ref is None and conv.ctx.caller_e164 is not None:
        found = reservation_flow.active_bookings(await conv.tool("find_reservation"))
        ref = BookingRef.from_json(found[0]) if len(found) == 1 else None
    if ref is None:
        return ""
    if ref.rate_plan is RatePlan.BNB:
        return "Yes, your booking includes breakfast. "
    return "Your booking is room only, so breakfast isn't included. "


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
    lead = await _own_breakfast(conv) if u.topic is Topic.BREAKFAST and \
        _OWN_STAY.search(u.text) else ""
    said = offer(conv, Pending.ANYTHING_ELSE, f"{lead}{result.speech} {ANYTHING_ELSE}")
    return Say(said.text, said.expecting, Outcome.INFO_GIVEN)
