"""Argument schemas and questions shared by several tools."""

from __future__ import annotations

DEPARTMENT_Q = ("Which department would you like: the front desk, reservations, housekeeping, "
                "room service, the concierge, or the manager on duty?")
PHONE = {"type": "string", "description": "phone number; defaults to the caller's"}
