"""The staff console in real Chromium: a guest calls (fake microphone) in one browser context; a
manager signs in in another, sees the call appear live with its transcript, announces and listens
(hears non-silent audio), takes over (the guest hears the staff microphone), hands back, ends the
call, finds it in history with its recording, and opens the analytics dashboard. Screenshots of
the board, the call and the dashboard go to e2e/artifacts/ for review."""

from __future__ import annotations

import re
import subprocess
import sys

from playwright.sync_api import Browser, Page, expect

from e2e.conftest import ARTIFACTS
from e2e.live_server import LiveServer
from e2e.test_guest_call import start_call

PASSWORD = "e2e-manager-password"


def add_manager(server: LiveServer) -> None:
    subprocess.run([sys.executable, "-m", "server.cli", "staff", "add", "--name", "maria",
                    "--password", PASSWORD, "--role", "manager"],
                   env=server.env, cwd=server.workdir, check=True, capture_output=True)


def sign_in(page: Page, server: LiveServer) -> None:
    page.goto(server.url + "/console")
    expect(page).to_have_url(re.compile(r"/console/login\?next="))
    page.get_by_label("Name").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Live calls")).to_be_visible()


def guest_state(guest: Page) -> str:
    return str(guest.locator("#call-state").get_attribute("data-state"))


def test_staff_console_end_to_end(browser: Browser, live_server: LiveServer) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    add_manager(live_server)
    guest_ctx = browser.new_context()
    staff_ctx = browser.new_context()
    try:
        staff = staff_ctx.new_page()
        staff.set_viewport_size({"width": 1280, "height": 900})
        sign_in(staff, live_server)
        expect(staff.locator("#ws-state")).to_have_attribute("data-state", "live")

        guest = guest_ctx.new_page()
        call_id = start_call(guest, live_server)

        # The call appears on the board without a reload, and its transcript streams in.
        row = staff.locator(f'tr[data-call-id="{call_id}"]')
        expect(row).to_be_visible(timeout=20_000)
        row.click()
        expect(staff.locator("#transcript")).to_contain_text("Harbor View Hotel",
                                                             timeout=20_000)
        staff.screenshot(path=str(ARTIFACTS / "console-board.png"), full_page=True)

        # Listen in, and have the agent announce something: the listener hears audio.
        guest.wait_for_function("window.frontdesk.peakRemoteLevel > 0.02", timeout=20_000)
        staff.get_by_role("button", name="Listen").click()
        expect(staff.get_by_role("button", name="Stop listening")).to_be_visible()
        staff.get_by_placeholder("Type a sentence").fill("A colleague will be with you shortly.")
        staff.get_by_role("button", name="Announce").click()
        expect(staff.locator("#transcript")).to_contain_text("A colleague will be with you",
                                                             timeout=20_000)
        staff.wait_for_function("window.frontdeskConsole.peakListenLevel > 0.01",
                                timeout=30_000)
        staff.screenshot(path=str(ARTIFACTS / "console-call.png"), full_page=True)

        # Take over once the agent is quiet: the guest now hears the staff microphone.
        guest.wait_for_function(
            "document.querySelector('#call-state').dataset.state === 'connected'",
            timeout=30_000)
        guest.evaluate("window.frontdesk.peakRemoteLevel = 0")
        take_over = staff.get_by_role("button", name="Take over")
        expect(take_over).to_be_enabled()
        take_over.click()
        staff.wait_for_function("window.frontdeskConsole.takenOver === true", timeout=10_000)
        expect(row).to_contain_text("maria (on call)")
        guest.wait_for_function("window.frontdesk.peakRemoteLevel > 0.01", timeout=30_000)

        staff.get_by_role("button", name="Hand back").click()
        staff.wait_for_function("window.frontdeskConsole.takenOver === false", timeout=10_000)
        expect(staff.locator("#transcript")).to_contain_text("handed the call back")

        staff.get_by_role("button", name="End call").click()
        expect(guest.locator("#call-state")).to_have_attribute("data-state", "ended",
                                                               timeout=20_000)
        expect(row).to_have_count(0)

        # History: the call, its transcript and its recording (served only to staff).
        staff.goto(live_server.url + "/console/history")
        link = staff.locator(f'tr[data-call-id="{call_id}"] a')
        expect(link).to_be_visible(timeout=20_000)
        link.click()
        expect(staff.locator("#transcript")).to_contain_text("took over")
        expect(staff.locator("#recording-audio")).to_have_attribute(
            "src", f"/console/recordings/{call_id}.wav")
        wav = staff.request.get(f"{live_server.url}/console/recordings/{call_id}.wav")
        assert wav.status == 200 and wav.body()[:4] == b"RIFF"
        anonymous = guest.request.get(f"{live_server.url}/console/recordings/{call_id}.wav")
        assert anonymous.status == 401

        staff.goto(live_server.url + "/console/analytics")
        expect(staff.locator("#kpis")).to_contain_text("handled without staff")
        staff.wait_for_function("window.Chart !== undefined && window.frontdeskConsole")
        staff.wait_for_timeout(300)  # let the canvases paint before the screenshot
        staff.screenshot(path=str(ARTIFACTS / "console-dashboard.png"), full_page=True)
    finally:
        guest_ctx.close()
        staff_ctx.close()
