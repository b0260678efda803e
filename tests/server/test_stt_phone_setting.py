"""`FRONTDESK_STT_PHONE_ADAPTED`: phone calls heard by the phone-band recognizer (docs/stt.md)."""

from __future__ import annotations

import pytest

from server.settings import Settings


def test_phone_calls_get_the_adapted_recognizer_by_default() -> None:
    settings = Settings.from_env({})
    assert settings.stt_phone_adapted
    assert settings.describe()["stt_phone_adapted"] is True


@pytest.mark.parametrize(("value", "adapted"), [("0", False), ("no", False), ("1", True)])
def test_the_setting_turns_it_off(value: str, adapted: bool) -> None:
    settings = Settings.from_env({"FRONTDESK_STT_PHONE_ADAPTED": value})
    assert settings.stt_phone_adapted is adapted
    assert settings.describe()["stt_phone_adapted"] is adapted
