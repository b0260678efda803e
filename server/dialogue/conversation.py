"""The dialogue's memory for one call: task drafts, the pending question, and the tool runner
that records every call for `Reply.tool_calls`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from media.engine import ToolCall
from server.dialogue.intents import Intent
from server.dialogue.items import OrderLine
from server.dialogue.reply import Outcome
from server.hotel import lookup
from server.hotel.enums import RatePlan, Topic
from server.tools import ToolContext, ToolResult, execute_voice_tool

if TYPE_CHECKING:
    from server.dialogue.understanding import Understood

T = TypeVar("T")


class Pending(StrEnum):
    """A yes/no question the agent has just asked (its value is `Reply.expecting`)."""

    CONFIRM_BOOKING = "confirm_booking"
    CONFIRM_CHANGE = "confirm_change"
    CONFIRM_CANCEL = "confirm_cancel"
    ACCEPT_CHARGE = "accept_charge"
    CONFIRM_ORDER = "confirm_order"
    CONFIRM_CALLBACK = "confirm_callback"
    CONFIRM_SMS = "confirm_sms"  # "I'll text it to <number the guest said>. Is that right?"
    OFFER_SMS = "offer_sms"
    OFFER_TRANSFER = "offer_transfer"
    OFFER_CALLBACK = "offer_callback"
    OFFER_BOOKING = "offer_booking"
    OFFER_ORDER = "offer_order"  # "The club sandwich is fourteen pounds. Would you like one?"
    PICK_ROOM = "pick_room"
    MULTI_ROOM = "multi_room"
    ANYTHING_ELSE = "anything_else"
    CONFIRM_SPELLING = "confirm_spelling"  # "Is that Clark, spelled C, L, A, R, K?"
    WHICH_END = "which_end"  # "Is that arriving or leaving on Monday the 14th?"


@dataclass
class BookingDraft:
    """A new booking (or an availability check) being put together."""

    room_type: str | None = None  # room-type code, e.g. "deluxe_king"
    check_in: dt.date | None = None
    check_out: dt.date | None = None
    nights: int | None = None
    guests: int | None = None
    rate_plan: RatePlan | None = None
    guest_name: str | None = None
    name_spelled: bool = False  # the guest confirmed the surname's spelling (homophones)
    phone: str | None = None
    checked: bool = False  # availability confirmed for the current details
    room_only_pence: int | None = None  # nightly rates of the chosen type, from the check
    bnb_pence: int | None = None
    suggested: tuple[str, ...] = ()  # room types offered when the guests did not fit
    unplaced: dt.date | None = None  # a date said as a correction: arrival or departure?

    def stay_nights(self) -> int | None:
        if self.nights is not None:
            return self.nights
        if self.check_in and self.check_out:
            return (self.check_out - self.check_in).days
        return None

    def departure(self) -> dt.date | None:
        """The day the stay ends: the arrival plus its nights; None until both are known."""
        nights = self.stay_nights()
        return self.check_in + dt.timedelta(days=nights) if self.check_in and nights else None


@dataclass(frozen=True)
class BookingRef:
    """An existing booking, as find_reservation / make_reservation described it."""

    code: str
    room_type: str  # display name
    check_in: dt.date
    check_out: dt.date
    guests: int
    rate_plan: RatePlan
    total_pence: int
    status: str

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> BookingRef:
        return cls(str(d["confirmation_code"]), str(d["room_type"]),
                   dt.date.fromisoformat(str(d["check_in"])),
                   dt.date.fromisoformat(str(d["check_out"])), int(d["guests"]),
                   RatePlan(str(d["rate_plan"])), int(d["total_pence"]), str(d["status"]))


@dataclass
class ChangeDraft:
    """Changes to an existing booking, collected before modify_reservation."""

    check_in: dt.date | None = None
    check_out: dt.date | None = None
    nights: int | None = None
    guests: int | None = None
    room_type: str | None = None
    rate_plan: RatePlan | None = None
    # What the guest asked to change before the booking was found ("can I move my booking a
    # day later?" from a stranger): applied once it is, as "a day later" needs the booking.
    asked: Understood | None = None

    def any(self) -> bool:
        return any(v is not None for v in (self.check_in, self.check_out, self.nights,
                                           self.guests, self.room_type, self.rate_plan))


@dataclass
class OrderDraft:
    lines: list[OrderLine] = field(default_factory=list)
    room_number: str | None = None
    notes: list[str] = field(default_factory=list)  # for the kitchen: "no cheese"


@dataclass
class ServiceDraft:
    items: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)  # the guest's words, for staff
    maintenance: bool = False
    room_number: str | None = None


@dataclass
class CallbackDraft:
    when: dt.datetime | None = None
    department: str | None = None
    phone: str | None = None
    reason: str = ""


@dataclass
class Conversation:
    """Mutable state of one call's dialogue."""

    ctx: ToolContext
    task: Intent | None = None
    pending: Pending | None = None
    expecting: str | None = None  # the slot just asked for
    booking: BookingDraft = field(default_factory=BookingDraft)
    change: ChangeDraft = field(default_factory=ChangeDraft)
    order: OrderDraft = field(default_factory=OrderDraft)
    service: ServiceDraft = field(default_factory=ServiceDraft)
    callback: CallbackDraft = field(default_factory=CallbackDraft)
    current: BookingRef | None = None  # the booking being changed/cancelled/texted
    lookup_name: str | None = None  # a booking asked for by name, until its arrival date is heard
    lookup_misses: int = 0  # name and date pairs that found nothing on this call
    sms_phone: str | None = None  # the number the guest asked the confirmation texted to
    last_topic: Topic | None = None  # the hotel fact just given, for "how much is it?"
    last_code: str | None = None  # the booking made on this call
    caller_name: str | None = None
    caller_room: str | None = None  # in-house room from the caller's history
    offer_department: str = "front_desk"  # for OFFER_TRANSFER / OFFER_CALLBACK
    offer_when: dt.datetime | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    menu_prices: dict[str, int] = field(default_factory=dict)  # menu code -> pence
    calls: list[ToolCall] = field(default_factory=list)  # this turn's tool calls

    async def tool(self, name: str, **args: Any) -> ToolResult:
        """Run a voice tool the way the Realtime engine does, and record the call."""
        clean = {k: v for k, v in args.items() if v is not None}
        result = await execute_voice_tool(name, clean, self.ctx)
        self.calls.append(ToolCall(name=name, arguments=clean, ok=result.ok,
                                   error_code=result.error.code.value if result.error else None,
                                   result=dict(result.data)))
        return result

    async def hotel_rows(self, read: Callable[[AsyncSession, int], Awaitable[list[T]]]
                         ) -> list[T]:
        """The hotel's rows `read` gives (room types, menu, departments): what the agent says
        without a tool action, such as prices before an order."""
        async with self.ctx.db.session() as s:
            hotel = await lookup.first_hotel(s)
            return [] if hotel is None else await read(s, hotel.id)

    def today(self) -> dt.date:
        return self.ctx.today()

    def reset_task(self) -> None:
        self.task = None
        self.pending = None
        self.expecting = None
        self.booking = BookingDraft()
        self.change = ChangeDraft()
        self.order = OrderDraft()
        self.service = ServiceDraft()
        self.callback = CallbackDraft()
        self.last_topic = None


@dataclass(frozen=True)
class Say:
    """What a flow wants said next; the manager turns it into a Reply."""

    text: str
    expecting: str | None = None
    outcome: Outcome | None = None
    end_call: bool = False
