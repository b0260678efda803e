"""X-Twilio-Signature checks with the SDK's `RequestValidator`.

Twilio signs the URL it called (FRONTDESK_PUBLIC_URL + path, not our local Host behind a proxy)
plus, for form posts, the sorted form parameters; for the media stream it signs the wss:// URL.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web
from twilio.request_validator import RequestValidator

from server.settings import Settings

SIGNATURE_HEADER = "X-Twilio-Signature"


def public_http_url(settings: Settings, path_qs: str) -> str:
    return settings.public_url + path_qs


def public_ws_url(settings: Settings, path_qs: str) -> str:
    """The wss:// (or ws:// for an http public URL) address Twilio opens for `path_qs`."""
    base = settings.public_url
    if base.startswith("https://"):
        base = "wss://" + base[len("https://"):]
    elif base.startswith("http://"):
        base = "ws://" + base[len("http://"):]
    return base + path_qs


def is_signed(settings: Settings, url: str, params: Mapping[str, str],
              signature: str | None) -> bool:
    """True when `signature` is Twilio's for `url` + `params`; False when unconfigured."""
    if not (settings.twilio_auth_token and settings.public_url and signature):
        return False
    validator = RequestValidator(settings.twilio_auth_token)
    return bool(validator.validate(url, dict(params), signature))


async def signed_form(request: web.Request, settings: Settings) -> dict[str, str]:
    """The POSTed form of a signed Twilio webhook; raises 403 when the signature is wrong."""
    form = {k: str(v) for k, v in (await request.post()).items()}
    url = public_http_url(settings, request.path_qs)
    if not is_signed(settings, url, form, request.headers.get(SIGNATURE_HEADER)):
        raise web.HTTPForbidden(text="bad or missing Twilio signature")
    return form
