"""What the landing page shows about the hotel."""

from __future__ import annotations

from dataclasses import dataclass

from server.db.database import Database


@dataclass(frozen=True)
class HotelProfile:
    name: str
    address: str
    phone: str
    facts: tuple[str, ...]


async def load_hotel_profile(db: Database) -> HotelProfile:
    """The hotel's public facts. (Read from the database once the hotel tables exist.)"""
    return HotelProfile(
        name="Harbor View Hotel",
        address="12 Quay Street, Portsmouth",
        phone="+44 23 9200 0000",
        facts=(
            "Check-in from 15:00, check-out by 11:00",
            "Breakfast 07:00–10:30 in the Quay Restaurant",
            "Pool and gym 06:00–22:00",
            "Free Wi-Fi; parking £15 per night",
        ),
    )
