"""Outbound SMS and phone calls through the official Twilio SDK.

The SDK is synchronous (requests), so every call runs in a worker thread, never on the event loop.
Configured from TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN / TWILIO_FROM_NUMBER; without them there is
no `Outbound` and the tools store messages as "not sent: no provider".
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

TWILIO_API = "https://api.twilio.com"


@dataclass(frozen=True)
class TwilioConfig:
    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TwilioConfig | None:
        e = os.environ if env is None else env
        sid, token, number = (e.get("TWILIO_ACCOUNT_SID", ""), e.get("TWILIO_AUTH_TOKEN", ""),
                              e.get("TWILIO_FROM_NUMBER", ""))
        if not (sid and token and number):
            return None
        return cls(sid, token, number)


@dataclass(frozen=True)
class OutboundResult:
    sid: str
    status: str  # Twilio's status, e.g. "queued"


class OutboundError(Exception):
    """The provider refused or could not be reached."""

    def __init__(self, message: str, *, status: int | None = None,
                 code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class RedirectingHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """Sends the SDK's requests to another base URL (a local stand-in for api.twilio.com)."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API):]
        return super().request(method, url, *args, **kwargs)


class Outbound:
    """SMS and calls via Twilio; async methods that run the SDK in a thread."""

    def __init__(self, config: TwilioConfig, *, http_client: TwilioHttpClient | None = None,
                 timeout: float = 10.0) -> None:
        self.config = config
        self._client = Client(config.account_sid, config.auth_token,
                              http_client=http_client or TwilioHttpClient(timeout=timeout))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Outbound | None:
        """An Outbound when TWILIO_ACCOUNT_SID/AUTH_TOKEN/FROM_NUMBER are all set, else None."""
        config = TwilioConfig.from_env(env)
        return cls(config) if config else None

    @property
    def from_number(self) -> str:
        return self.config.from_number

    async def send_sms(self, to: str, body: str) -> OutboundResult:
        return await asyncio.to_thread(self._send_sms, to, body)

    async def place_call(self, to: str, twiml: str) -> OutboundResult:
        return await asyncio.to_thread(self._place_call, to, twiml)

    def _send_sms(self, to: str, body: str) -> OutboundResult:
        try:
            msg = self._client.messages.create(to=to, from_=self.config.from_number, body=body)
        except TwilioRestException as exc:
            raise OutboundError(str(exc.msg), status=exc.status, code=exc.code) from exc
        except (TwilioException, OSError) as exc:
            raise OutboundError(str(exc)) from exc
        return OutboundResult(str(msg.sid), str(msg.status))

    def _place_call(self, to: str, twiml: str) -> OutboundResult:
        try:
            call = self._client.calls.create(to=to, from_=self.config.from_number, twiml=twiml)
        except TwilioRestException as exc:
            raise OutboundError(str(exc.msg), status=exc.status, code=exc.code) from exc
        except (TwilioException, OSError) as exc:
            raise OutboundError(str(exc)) from exc
        return OutboundResult(str(call.sid), str(call.status))
