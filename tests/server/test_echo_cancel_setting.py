"""`FRONTDESK_ECHO_CANCEL`: which calls get the echo canceller (media/echo_cancel.py)."""

from __future__ import annotations

import pytest

from server.settings import EchoCancel, Settings
from server.voice.media_setup import new_echo_canceller
from server.voice.session import Transport


def test_phone_calls_get_the_canceller_by_default_browsers_cancel_their_own() -> None:
    settings = Settings.from_env({})
    assert settings.echo_cancel is EchoCancel.PHONE
    phone = new_echo_canceller(settings, Transport.TWILIO, 16000)
    assert phone is not None and phone.rate == 16000
    assert new_echo_canceller(settings, Transport.WEBRTC, 16000) is None


@pytest.mark.parametrize(("value", "phone", "browser"), [
    ("all", True, True), (" Off ", False, False), ("phone", True, False)])
def test_the_setting_picks_the_calls(value: str, phone: bool, browser: bool) -> None:
    settings = Settings.from_env({"FRONTDESK_ECHO_CANCEL": value})
    assert (new_echo_canceller(settings, Transport.TWILIO, 24000) is not None) is phone
    assert (new_echo_canceller(settings, Transport.WEBRTC, 48000) is not None) is browser


def test_an_unknown_value_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="yes"):
        Settings.from_env({"FRONTDESK_ECHO_CANCEL": "yes"})
