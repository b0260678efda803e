"""A guest calls Harbor View Hotel from real Chromium and hears the agent; every end path
completes the call record."""

from __future__ import annotations

import sqlite3
from typing import Any

from playwright.sync_api import Browser, Page, expect

from e2e.conftest import ARTIFACTS
from e2e.live_server import LiveServer


def call_row(server: LiveServer, call_id: str) -> dict[str, Any]:
    with sqlite3.connect(server.db_path) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM voice_calls WHERE id = ?", (call_id,)).fetchone()
    assert row is not None, f"no voice_calls row for {call_id}"
    return dict(row)


def start_call(page: Page, server: LiveServer) -> str:
    page.goto(server.url + "/")
    expect(page.get_by_role("heading", name="Harbor View Hotel")).to_be_visible()
    page.get_by_role("button", name="Call").click()
    expect(page.locator("#call-state")).to_have_attribute("data-state", "connected",
                                                          timeout=20_000)
    session_id = page.evaluate("window.frontdesk.sessionId")
    assert isinstance(session_id, str)
    return session_id


def sessions(server: LiveServer) -> list[str]:
    return [s["id"] for s in server.get("/voice/sessions")["sessions"]]


def test_guest_hears_agent_then_staff_ends_call(browser: Browser, live_server: LiveServer) -> None:
    page = browser.new_page()
    session_id = start_call(page, live_server)
    page.wait_for_function("window.frontdesk.peakRemoteLevel > 0.02", timeout=20_000)
    assert sessions(live_server) == [session_id]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "guest-call-connected.png"))

    status, _ = live_server.request("POST", f"/voice/sessions/{session_id}/end")
    assert status == 200
    expect(page.locator("#call-state")).to_have_attribute("data-state", "ended")
    assert sessions(live_server) == []
    row = call_row(live_server, session_id)
    assert row["end_reason"] == "staff_ended"
    assert row["ended_at"] is not None and row["duration_s"] > 0


def test_guest_hangs_up(browser: Browser, live_server: LiveServer) -> None:
    page = browser.new_page()
    session_id = start_call(page, live_server)
    page.get_by_role("button", name="Hang up").click()
    expect(page.locator("#call-state")).to_have_attribute("data-state", "ended")
    live_server.wait_for(lambda: sessions(live_server) == [], what="session closed")
    row = call_row(live_server, session_id)
    assert row["end_reason"] == "guest_hangup" and row["ended_at"] is not None


def test_guest_closes_tab(browser: Browser, live_server: LiveServer) -> None:
    page = browser.new_page()
    session_id = start_call(page, live_server)
    page.close()
    live_server.wait_for(lambda: sessions(live_server) == [], what="session closed")
    row = call_row(live_server, session_id)
    assert row["end_reason"] in ("guest_disconnected", "connection_failed")
    assert row["ended_at"] is not None and row["duration_s"] > 0


def test_blocked_microphone_says_what_to_do(browser: Browser, live_server: LiveServer) -> None:
    """The guest said no to the microphone: the page says how to fix it and gives the phone
    number, and no call is started."""
    page = browser.new_page()
    page.add_init_script("""
        navigator.mediaDevices.getUserMedia = async () => {
            throw new DOMException("Permission denied", "NotAllowedError");
        };
    """)
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Call").click()
    error = page.get_by_role("alert")
    expect(error).to_contain_text("blocked the microphone")
    expect(error).to_contain_text("phone us on +44")
    expect(page.locator("#call-state")).to_have_attribute("data-state", "ended")
    expect(page.get_by_role("button", name="Call")).to_be_visible()
    assert sessions(live_server) == []


def test_server_down_says_so(browser: Browser, live_server: LiveServer) -> None:
    """The page loaded, then the server went away: pressing Call says the front desk cannot be
    reached (with the phone number) instead of ending silently."""
    page = browser.new_page()
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Harbor View Hotel")).to_be_visible()
    live_server.stop()
    page.get_by_role("button", name="Call").click()
    error = page.get_by_role("alert")
    expect(error).to_contain_text("couldn't reach the front desk")
    expect(error).to_contain_text("phone us on")
    expect(page.locator("#call-state")).to_have_attribute("data-state", "ended")
