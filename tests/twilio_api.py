"""A local stand-in for api.twilio.com's Calls resource, which the official SDK reaches through
its `http_client` hook (`server.outbound.RedirectingHttpClient`, the `twilio_api_url` setting):
it records every request and answers like Twilio, so no test ever calls the real API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web

from tests.twilio_client import ACCOUNT_SID


@dataclass
class Seen:
    path: str
    form: dict[str, str]


@dataclass
class FakeTwilioApi:
    base_url: str = ""
    seen: list[Seen] = field(default_factory=list)
    fail_with: int | None = None


async def serve_twilio_api() -> AsyncIterator[FakeTwilioApi]:
    """Run the stand-in on a free loopback port until the caller is done with it."""
    state = FakeTwilioApi()

    async def calls(request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        state.seen.append(Seen(request.path, form))
        if state.fail_with:
            return web.json_response({"code": 20404, "message": "not found",
                                      "status": state.fail_with}, status=state.fail_with)
        sid = request.match_info.get("call") or f"CA{len(state.seen):032d}"
        return web.json_response({"sid": sid, "status": "queued", "account_sid": ACCOUNT_SID,
                                  "to": form.get("To", "")}, status=200)

    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/{sid}/Calls.json", calls)
    app.router.add_post("/2010-04-01/Accounts/{sid}/Calls/{call}.json", calls)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        state.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        yield state
    finally:
        await runner.cleanup()


