"""Seeding the demo hotel (Harbor View Hotel). Placeholder until the domain models land."""

from __future__ import annotations

from server.db.database import Database


async def seed_demo_hotel(db: Database, *, reset: bool = False) -> bool:
    """Seed the demo hotel if the database has none (or always, with `reset`).

    Returns True when it wrote anything.
    """
    return False
