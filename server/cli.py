"""`frontdesk` command line: serve, db upgrade, db seed."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

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


WORKER_INDEX_ENV = "FRONTDESK_WORKER_INDEX"


def _serve_workers(settings: Settings, host: str, port: int, workers: int) -> int:
    """Run `workers` server processes on one port (SO_REUSEPORT: the kernel spreads new
    connections over them). Migrations and the demo seed run here once, before any worker
    starts; SIGINT/SIGTERM are passed on; if one worker exits, the others are stopped."""
    from server.db.migrate import upgrade

    log = logging.getLogger("frontdesk")
    upgrade(settings.database_url)
    asyncio.run(_seed(settings, reset=False))
    env = dict(os.environ, FRONTDESK_WORKERS=str(workers))
    if settings.stt_workers == 0:  # share the cores' recognizers out instead of N x per core
        env["FRONTDESK_STT_WORKERS"] = str(max(1, (os.cpu_count() or 1) // workers))
    procs = [subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--host", host, "--port", str(port)],
        env=dict(env, **{WORKER_INDEX_ENV: str(i)})) for i in range(workers)]
    log.info("serving on %s:%d with %d worker processes", host, port, workers)
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)  # aiohttp's run_app shuts down cleanly on it

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    while any(p.poll() is None for p in procs):
        exited = [p for p in procs if p.poll() is not None]
        if exited and not stopping:
            code = exited[0].returncode or 1
            log.error("a worker exited (%s); stopping the others", exited[0].returncode)
            stop(signal.SIGTERM, None)
        time.sleep(0.2)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="frontdesk", description="Frontdesk voice agent")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the signalling and web server")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--workers", type=int, default=None,
                       help="server processes sharing the port (default: FRONTDESK_WORKERS or 1)")
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

        from server.app import create_app, freeze_after_startup

        host = args.host or settings.host
        port = args.port or settings.port
        workers = max(1, args.workers or settings.workers)
        if workers > 1 and WORKER_INDEX_ENV not in os.environ:
            return _serve_workers(settings, host, port, workers)
        log.info("settings: %s", settings.describe())
        app = create_app(replace(settings, workers=workers))
        freeze_after_startup(app)
        web.run_app(app, host=host, port=port,
                    print=None, shutdown_timeout=5.0, reuse_port=workers > 1 or None)
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
