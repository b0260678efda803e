"""Scheduled callbacks that the agent itself takes: the placed call streams back to us.

`server/hotel/callbacks.py` claims due callbacks and calls `Outbound.place_call(to, twiml)`;
this `Outbound` swaps that TwiML (a greeting plus a dial to the main line) for a
`<Connect><Stream>` to the agent, marked `direction=outbound` so the stream opens a session.
"""

from __future__ import annotations

from twilio.http.http_client import TwilioHttpClient

from server.outbound import Outbound, OutboundResult, TwilioConfig
from server.settings import Settings
from server.twilio import twiml


class AgentCallbackOutbound(Outbound):
    def __init__(self, config: TwilioConfig, settings: Settings, *,
                 http_client: TwilioHttpClient | None = None) -> None:
        super().__init__(config, http_client=http_client)
        self.settings = settings

    async def place_call(self, to: str, twiml_doc: str) -> OutboundResult:
        doc = twiml.connect_stream(self.settings, {"direction": "outbound", "to": to})
        return await super().place_call(to, doc)
