"""A guest books a room by voice from real Chromium: the agent asks the follow-up questions,
the guest answers, and the database holds the booking and the texted confirmation.

Multi-turn audio is injected on cue through a WebAudio microphone (`window.frontdesk.micStream`,
the page's test hook); the breakfast question uses Chromium's fake-capture WAV as is.
"""

from __future__ import annotations

import base64
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from e2e.audio_fixtures import spoken_wav, spoken_wav_bytes
from e2e.browser import launch
from e2e.live_server import LiveServer

INJECTED_MIC = """
() => {
  const ctx = new AudioContext();
  const dest = ctx.createMediaStreamDestination();
  // A real microphone never stops producing samples; keep this one running too.
  const hum = ctx.createConstantSource();
  hum.offset.value = 0;
  hum.connect(dest);
  hum.start();
  window.frontdesk.micStream = dest.stream;
  window.__guestSay = async (b64) => {
    await ctx.resume();
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const buffer = await ctx.decodeAudioData(bytes.buffer);
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(dest);
    await new Promise((resolve) => { source.onended = resolve; source.start(); });
  };
}
"""


def session(server: LiveServer, call_id: str) -> dict[str, Any]:
    body: dict[str, Any] = server.get(f"/voice/sessions/{call_id}")
    return body


def agent_replies(server: LiveServer, call_id: str) -> int:
    return sum(1 for t in session(server, call_id)["turns"] if t["role"] == "agent")


def say(page: Page, server: LiveServer, call_id: str, text: str) -> None:
    """Speak one guest line, then wait until the agent has answered it."""
    before = agent_replies(server, call_id)
    audio = base64.b64encode(spoken_wav_bytes(text)).decode()
    page.evaluate("(b64) => window.__guestSay(b64)", audio)
    server.wait_for(lambda: agent_replies(server, call_id) > before
                    or session(server, call_id)["state"] == "ended",
                    within=45.0, what=f"the agent's answer to {text!r}")


def test_guest_books_a_room_by_voice(browser: Browser, live_server: LiveServer) -> None:
    page = browser.new_page()
    page.goto(live_server.url + "/")
    page.evaluate(INJECTED_MIC)
    page.fill("#caller-phone", "07700 900555")
    page.get_by_role("button", name="Call").click()
    expect(page.locator("#call-state")).to_have_attribute("data-state", "connected",
                                                          timeout=20_000)
    call_id = page.evaluate("window.frontdesk.sessionId")
    live_server.wait_for(lambda: agent_replies(live_server, call_id) >= 1, within=30.0,
                         what="the greeting")

    for line in ("i'd like to book a deluxe king for two nights from tomorrow",
                 "two people", "bed and breakfast", "my name is anna smith", "yes",
                 "yes please", "no that's all"):
        if session(live_server, call_id)["state"] == "ended":
            break
        say(page, live_server, call_id, line)

    expect(page.locator("#call-state")).to_have_attribute("data-state", "ended",
                                                          timeout=30_000)
    detail = session(live_server, call_id)
    said = [t["text"] for t in detail["turns"] if t["role"] == "caller"]
    assert any("deluxe king" in s for s in said), detail["turns"]
    tools = [(c["name"], c["ok"]) for t in detail["turns"] for c in t["tool_calls"]]
    assert ("make_reservation", True) in tools, detail["turns"]
    assert any(name == "send_sms_confirmation" for name, _ in tools), detail["turns"]

    tomorrow = dt.datetime.now(ZoneInfo("Europe/London")).date() + dt.timedelta(days=1)
    with sqlite3.connect(live_server.db_path) as conn:
        booked = conn.execute(
            "SELECT t.name, r.check_in, r.check_out, r.guests, r.rate_plan, r.status "
            "FROM reservations r JOIN room_types t ON t.id = r.room_type_id "
            "WHERE r.call_id = ?", (call_id,)).fetchall()
        sms = conn.execute("SELECT \"to\", status FROM sms_messages WHERE call_id = ?",
                           (call_id,)).fetchall()
    assert booked == [("Deluxe King", tomorrow.isoformat(),
                       (tomorrow + dt.timedelta(days=2)).isoformat(), 2, "bnb", "confirmed")]
    assert sms == [("+447700900555", "not sent: no provider")]


@pytest.fixture
def breakfast_browser(playwright: Playwright, tmp_path: Path) -> Iterator[Browser]:
    wav = spoken_wav(tmp_path / "breakfast.wav", "what time is breakfast", lead_s=6.5,
                     noise_dbfs=-60.0)
    browser = launch(playwright, wav)
    try:
        yield browser
    finally:
        browser.close()


def test_fake_capture_wav_question_is_answered(breakfast_browser: Browser,
                                               live_server: LiveServer) -> None:
    page = breakfast_browser.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Call").click()
    expect(page.locator("#call-state")).to_have_attribute("data-state", "connected",
                                                          timeout=20_000)
    call_id = page.evaluate("window.frontdesk.sessionId")
    live_server.wait_for(lambda: agent_replies(live_server, call_id) >= 2, within=60.0,
                         what="an answer to the breakfast question")
    turns = session(live_server, call_id)["turns"]
    asked = [t["text"] for t in turns if t["role"] == "caller"]
    assert any("breakfast" in s for s in asked), turns
    answer = [t["text"] for t in turns if t["role"] == "agent"][1].lower()
    assert "breakfast" in answer and "seven" in answer, [
        (t["role"], t["text"], t.get("interrupted")) for t in turns]
