"""`frontdesk` command line: serve, db upgrade, db seed."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from server.settings import Settings


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


async def _seed(settings: Settings, reset: bool) -> bool:
    from server.db.database import Database
    from server.hotel.seed import seed_demo_hotel

    db = Database(settings.database_url)
    try:
        return await seed_demo_hotel(db, reset=reset)
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="frontdesk", description="Frontdesk voice agent")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the signalling and web server")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    db = sub.add_parser("db", help="database commands")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations")
    seed = db_sub.add_parser("seed", help="(re)seed the demo hotel")
    seed.add_argument("--if-empty", action="store_true", help="only when no hotel exists yet")
    from server.console.cli import add_staff_commands, run_staff_command

    add_staff_commands(sub)
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    _setup_logging(settings.log_level)
    log = logging.getLogger("frontdesk")

    if args.command == "serve":
        from aiohttp import web

        from server.app import create_app

        host = args.host or settings.host
        port = args.port or settings.port
        log.info("settings: %s", settings.describe())
        web.run_app(create_app(settings), host=host, port=port, print=None,
                    shutdown_timeout=5.0)
        return 0
    if args.command == "db":
        from server.db.migrate import upgrade

        upgrade(settings.database_url)
        if args.db_command == "seed":
            wrote = asyncio.run(_seed(settings, reset=not args.if_empty))
            log.info("demo hotel %s", "seeded" if wrote else "already present")
        return 0
    if args.command == "staff":
        return run_staff_command(args, settings)
    return 2


if __name__ == "__main__":
    sys.exit(main())
