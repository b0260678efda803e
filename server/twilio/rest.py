"""Twilio's REST API for live calls, through the official SDK (sync: run in a thread).

`http_client` is the SDK's hook: tests and the bench pass `RedirectingHttpClient` pointed at a
local stand-in for api.twilio.com.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from server.outbound import OutboundError


@dataclass(frozen=True)
class PlacedCall:
    sid: str
    status: str


@dataclass
class CallControl:
    account_sid: str
    auth_token: str = field(repr=False)
    http_client: TwilioHttpClient | None = None
    timeout: float = 10.0
    _client: Client | None = field(default=None, init=False, repr=False)

    @property
    def client(self) -> Client:
        if self._client is None:
            self._client = Client(self.account_sid, self.auth_token,
                                  http_client=self.http_client
                                  or TwilioHttpClient(timeout=self.timeout))
        return self._client

    async def redirect(self, call_sid: str, twiml: str) -> None:
        """Replace a live call's TwiML (ends its media stream); raises `OutboundError`."""
        await asyncio.to_thread(self._redirect, call_sid, twiml)

    async def place_call(self, to: str, from_: str, twiml: str) -> PlacedCall:
        return await asyncio.to_thread(self._place, to, from_, twiml)

    def _redirect(self, call_sid: str, twiml: str) -> None:
        try:
            self.client.calls(call_sid).update(twiml=twiml)
        except TwilioRestException as exc:
            raise OutboundError(str(exc.msg), status=exc.status, code=exc.code) from exc
        except (TwilioException, OSError) as exc:
            raise OutboundError(str(exc)) from exc

    def _place(self, to: str, from_: str, twiml: str) -> PlacedCall:
        try:
            call = self.client.calls.create(to=to, from_=from_, twiml=twiml)
        except TwilioRestException as exc:
            raise OutboundError(str(exc.msg), status=exc.status, code=exc.code) from exc
        except (TwilioException, OSError) as exc:
            raise OutboundError(str(exc)) from exc
        return PlacedCall(str(call.sid), str(call.status))
