"""Closed vocabularies of the hotel domain, stored as their string values."""

from __future__ import annotations

from enum import StrEnum


class RatePlan(StrEnum):
    ROOM_ONLY = "room_only"
    BNB = "bnb"


class ReservationStatus(StrEnum):
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    CHECKED_OUT = "checked_out"
    CANCELLED = "cancelled"


class ServiceKind(StrEnum):
    HOUSEKEEPING = "housekeeping"
    ROOM_SERVICE = "room_service"
    MAINTENANCE = "maintenance"
    DO_NOT_DISTURB = "do_not_disturb"  # the guest asks for no visit (no cleaning today)


class RequestStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class CallbackStatus(StrEnum):
    SCHEDULED = "scheduled"
    DIALING = "dialing"
    PLACED = "placed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class TransferStatus(StrEnum):
    CONNECTING = "connecting"  # the call layer accepted the move
    QUEUED = "queued"  # no live hook: staff were notified through the queue only
    CLOSED_CALLBACK_OFFERED = "closed_callback_offered"
    FAILED = "failed"


class SmsStatus(StrEnum):
    """Ours, plus Twilio's message statuses when a provider accepted the message."""

    QUEUED = "queued"
    SENT = "sent"
    NOT_SENT_NO_PROVIDER = "not sent: no provider"
    FAILED = "failed"


class Topic(StrEnum):
    """hotel_info topics."""

    BREAKFAST = "breakfast"
    PARKING = "parking"
    POOL = "pool"
    GYM = "gym"
    PETS = "pets"
    WIFI = "wifi"
    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    SMOKING = "smoking"
    CANCELLATION = "cancellation"
    ADDRESS = "address"
    PHONE = "phone"  # the hotel's own number, from the hotel's row (no fact of its own)
