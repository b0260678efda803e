"""`frontdesk staff add --name --password --role` and `frontdesk staff demo` (used by
scripts/serve.sh: creates a demo manager when none exists and prints its credentials)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from server.settings import Settings

DEMO_NAME = "manager"


def add_staff_commands(sub: Any) -> None:
    staff = sub.add_parser("staff", help="staff console accounts")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="add a staff account")
    add.add_argument("--name", required=True)
    add.add_argument("--password", help="omit to be asked (keeps it out of shell history)")
    add.add_argument("--role", choices=["staff", "manager"], default="staff")
    staff_sub.add_parser("demo", help="create a demo manager if there is no manager; print it")


def _credentials_file(settings: Settings) -> Path:
    return settings.recordings_dir.parent / "console-demo-credentials.txt"


async def _add(settings: Settings, name: str, password: str, role: str) -> int:
    from server.console.accounts import add_staff
    from server.console.models import Role
    from server.db.database import Database

    db = Database(settings.database_url)
    try:
        return await add_staff(db, name, password, Role(role))
    finally:
        await db.dispose()


async def _has_manager(settings: Settings) -> bool:
    from server.console.accounts import has_manager
    from server.db.database import Database

    db = Database(settings.database_url)
    try:
        return await has_manager(db)
    finally:
        await db.dispose()


def run_staff_command(args: argparse.Namespace, settings: Settings) -> int:
    from server.db.migrate import upgrade

    upgrade(settings.database_url)
    if args.staff_command == "add":
        password = args.password or getpass.getpass("password: ")
        try:
            asyncio.run(_add(settings, args.name, password, args.role))
        except ValueError as err:
            print(f"frontdesk staff add: {err}", file=sys.stderr)
            return 1
        print(f"added {args.role} {args.name!r}")
        return 0
    if args.staff_command == "demo":
        creds = _credentials_file(settings)
        if asyncio.run(_has_manager(settings)):
            if creds.is_file():
                print(f"staff console: {creds.read_text().strip()}")
            else:
                print("staff console: a manager account exists (frontdesk staff add for more)")
            return 0
        password = secrets.token_urlsafe(12)
        asyncio.run(_add(settings, DEMO_NAME, password, "manager"))
        creds.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(creds, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f"sign in at /console as {DEMO_NAME!r} with password {password!r}\n")
        print(f"staff console: sign in at /console as {DEMO_NAME!r} with password {password!r}")
        print(f"(saved in {creds}, readable only by you)")
        return 0
    return 2
