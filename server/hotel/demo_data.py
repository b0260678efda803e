"""The demo hotel's facts (Harbor View Hotel): the project's own copy, seeded by `seed.py`.

Guests' stays are relative to "today" in the hotel's time zone (Europe/London) so the demo always
has someone in-house and someone arriving.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from server.hotel.enums import RatePlan, ReservationStatus, Topic


@dataclass(frozen=True)
class HotelData:
    slug: str
    name: str
    address: str
    phone: str  # E.164
    timezone: str
    currency: str
    check_in: dt.time
    check_out: dt.time


@dataclass(frozen=True)
class RoomTypeData:
    code: str
    name: str
    description: str
    first_room: int
    count: int
    room_only_pence: int
    bnb_pence: int
    max_guests: int

    @property
    def numbers(self) -> list[str]:
        return [str(self.first_room + i) for i in range(self.count)]


@dataclass(frozen=True)
class DepartmentData:
    key: str
    name: str
    extension: str
    opens: dt.time | None  # None/None = 24 h
    closes: dt.time | None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class MenuItemData:
    code: str
    name: str
    price_pence: int
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class StayData:
    code: str
    room_type: str
    room: str  # allocated room (future bookings get one too; it is not announced)
    arrival: Callable[[dt.date], dt.date]
    nights: int
    guests: int
    rate_plan: RatePlan
    status: ReservationStatus


@dataclass(frozen=True)
class GuestData:
    name: str
    phone: str  # E.164
    notes: str
    stays: tuple[StayData, ...]


@dataclass(frozen=True)
class IvrOption:
    """One key of an IVR menu: a department, an intent for the agent, or a nested menu."""

    digit: str
    label: str
    department: str | None = None
    intent: str | None = None
    submenu: tuple[IvrOption, ...] = ()


def next_friday(today: dt.date) -> dt.date:
    """The first Friday strictly after today."""
    return today + dt.timedelta(days=(4 - today.weekday()) % 7 or 7)


HOTEL = HotelData(
    slug="harbor-view",
    name="Harbor View Hotel",
    address="12 Quay Street, Portsmouth",
    phone="+442392000000",
    timezone="Europe/London",
    currency="GBP",
    check_in=dt.time(15, 0),
    check_out=dt.time(11, 0),
)

ROOM_TYPES: tuple[RoomTypeData, ...] = (
    RoomTypeData("standard_double", "Standard Double", "a double bed", 101, 20, 12000, 15000, 2),
    RoomTypeData("standard_twin", "Standard Twin", "two single beds", 201, 10, 12000, 15000, 2),
    RoomTypeData("deluxe_king", "Deluxe King", "a king bed and a sea view", 301, 8, 18000, 21000,
                 2),
    RoomTypeData("family_room", "Family Room", "room for up to four", 401, 6, 21000, 26000, 4),
    RoomTypeData("harbor_suite", "Harbor Suite", "our suite over the harbour", 501, 2, 35000,
                 39000, 3),
)

DEPARTMENTS: tuple[DepartmentData, ...] = (
    DepartmentData("front_desk", "front desk", "100", None, None,
                   ("reception", "frontdesk", "desk", "operator")),
    DepartmentData("reservations", "reservations", "110", dt.time(8, 0), dt.time(20, 0),
                   ("booking", "bookings", "reservation")),
    DepartmentData("housekeeping", "housekeeping", "200", dt.time(7, 0), dt.time(22, 0),
                   ("cleaning", "house keeping")),
    DepartmentData("room_service", "room service", "300", dt.time(6, 30), dt.time(23, 0),
                   ("kitchen", "in-room dining", "food")),
    DepartmentData("concierge", "concierge", "400", dt.time(8, 0), dt.time(22, 0), ()),
    DepartmentData("manager", "manager on duty", "900", None, None,
                   ("manager", "duty manager", "manager on duty")),
)

MENU: tuple[MenuItemData, ...] = (
    MenuItemData("club_sandwich", "Club sandwich", 1400, ("club", "sandwich")),
    MenuItemData("margherita_pizza", "Margherita pizza", 1500, ("pizza", "margherita")),
    MenuItemData("caesar_salad", "Caesar salad", 1200, ("salad", "caesar")),
    MenuItemData("fish_and_chips", "Fish and chips", 1800, ("fish", "fish & chips")),
    MenuItemData("chocolate_brownie", "Chocolate brownie", 700, ("brownie",)),
    MenuItemData("pot_of_tea", "Pot of tea", 400, ("tea",)),
    MenuItemData("sparkling_water", "Sparkling water (750 ml)", 500,
                 ("sparkling water", "water", "fizzy water")),
)

FACTS: dict[Topic, str] = {
    Topic.BREAKFAST: ("Breakfast is served from seven until half past ten in the morning in the "
                      "Quay Restaurant. It's eighteen pounds per person, and it's included in our "
                      "bed and breakfast rate."),
    Topic.PARKING: "We have twenty parking spaces, at fifteen pounds per night.",
    Topic.POOL: "The pool is open from six in the morning until ten at night.",
    Topic.GYM: "The gym is open from six in the morning until ten at night.",
    Topic.PETS: ("Dogs under fifteen kilograms are welcome in our standard rooms, at twenty "
                 "pounds per night."),
    Topic.WIFI: "Wi-Fi is free throughout the hotel. The network is called HarborView-Guest.",
    Topic.CHECK_IN: "Check-in is from three o'clock in the afternoon.",
    Topic.CHECK_OUT: "Check-out is by eleven o'clock in the morning.",
    Topic.SMOKING: "Smoking isn't allowed anywhere in the hotel.",
    Topic.CANCELLATION: ("You can cancel free of charge until twenty-four hours before check-in. "
                         "After that, the first night is charged."),
    Topic.ADDRESS: "We're at 12 Quay Street, Portsmouth.",
}

# Written forms for the web page (the spoken forms above are for the agent).
FACT_SUMMARIES: dict[Topic, str] = {
    Topic.BREAKFAST: "Breakfast 07:00–10:30 in the Quay Restaurant, £18 per person",
    Topic.PARKING: "Parking £15 per night (20 spaces)",
    Topic.POOL: "Pool 06:00–22:00",
    Topic.GYM: "Gym 06:00–22:00",
    Topic.PETS: "Dogs under 15 kg welcome in standard rooms, £20 per night",
    Topic.WIFI: "Free Wi-Fi (HarborView-Guest)",
    Topic.CHECK_IN: "Check-in from 15:00",
    Topic.CHECK_OUT: "Check-out by 11:00",
    Topic.SMOKING: "No smoking anywhere in the hotel",
    Topic.CANCELLATION: "Free cancellation until 24 hours before check-in",
    Topic.ADDRESS: "12 Quay Street, Portsmouth",
}

# Extra facts the policies need as numbers.
PARKING_SPACES = 20
PARKING_PENCE_PER_NIGHT = 1500
BREAKFAST_PENCE = 1800
PET_PENCE_PER_NIGHT = 2000
FREE_CANCELLATION_HOURS = 24

GUESTS: tuple[GuestData, ...] = (
    GuestData("Alice Morgan", "+447700900101", "prefers feather-free pillows", (
        StayData("MRG4X7", "deluxe_king", "305", lambda t: t - dt.timedelta(days=1), 3, 1,
                 RatePlan.BNB, ReservationStatus.CHECKED_IN),
    )),
    GuestData("Ben Carter", "+447700900102", "", (
        StayData("CRT8N2", "standard_double", "101", next_friday, 2, 2, RatePlan.ROOM_ONLY,
                 ReservationStatus.CONFIRMED),
    )),
    GuestData("Chloe Davies", "+447700900103", "", (
        StayData("DVS5K3", "standard_double", "112", lambda t: t, 1, 1, RatePlan.ROOM_ONLY,
                 ReservationStatus.CHECKED_IN),
    )),
)

IVR_MENU: tuple[IvrOption, ...] = (
    IvrOption("1", "reservations", submenu=(
        IvrOption("1", "a new booking", intent="make_reservation"),
        IvrOption("2", "changing or cancelling a booking", intent="modify_reservation"),
        IvrOption("0", "our reservations team", department="reservations"),
    )),
    IvrOption("2", "guest services", submenu=(
        IvrOption("1", "housekeeping", department="housekeeping"),
        IvrOption("2", "room service", department="room_service"),
        IvrOption("3", "maintenance", intent="request_maintenance"),
        IvrOption("4", "the concierge", department="concierge"),
    )),
    IvrOption("3", "hotel information", intent="hotel_info"),
    IvrOption("9", "the manager on duty", department="manager"),
    IvrOption("0", "the front desk", department="front_desk"),
)
