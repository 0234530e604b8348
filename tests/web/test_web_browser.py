"""The console in a real browser: headless Chromium (Debian's, scripts/install-browser.sh) driven by
Playwright over HTTP. Log in, read the dashboard, try a question and read why, claim and answer a ticket,
and see the firm receive the answer through its channel (a real Telegram Application over the offline
request). Screenshots go to the test's temporary folder, or to $WEB_SCREENSHOTS (scripts/screenshots.sh:
docs/img/web)."""
from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import pytest
from kb_workbook_edits import edit_cell
from metrics_seed import seed_events, seed_other_tables, seed_tickets
from web_harness import FIRM_CHAT, PASSWORD, SECRET, free_port

from bot.answering.engine import Engine
from bot.answering.ports import Message
from bot.app import open_db
from bot.common.clock import simulated_sleep
from handlers.telegram import build_application
from handlers.telegram.context import SERVICES_KEY
from handlers.telegram.offline import OfflineRequest
from web.app import create_app
from web.security import SessionCodec

CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
TOKEN = "123456789:" + "A" * 35
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (bash scripts/install-browser.sh)")


@pytest.fixture
def served(web_settings, clock, fixture_kb, accounts):
    """The console over HTTP on a local port (uvicorn in a thread), cookies without Secure as with --dev."""
    import uvicorn

    app = create_app(web_settings, clock, lambda: Engine(fixture_kb, web_settings, open_db(web_settings.db_path), clock),
                     SessionCodec(SECRET), secure_cookies=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("WEB_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def chromium(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])


def log_in(page, base: str, name: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def drive_the_console(served: str, shots: Path, ticket: int, specialist: str) -> None:
    """The bureau reads the dashboard and tries a question; the specialist claims and answers the ticket."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = chromium(playwright)
        page = browser.new_page(viewport=PHONE)
        log_in(page, served, "ju")
        page.goto(f"{served}/dashboard?from=2026-11-09&to=2026-11-22")
        assert "提问 Questions" in page.inner_text("main") and page.locator("img.chart").count() >= 3
        page.screenshot(path=str(shots / "dashboard-phone.png"), full_page=False)

        page.goto(f"{served}/try")
        page.fill("textarea[name=question]", "商标注册要多久")
        page.click("form[action='/try'] button[type=submit]")
        assert "实质审查在9个月内完成" in page.inner_text("#reply")
        assert "top >= answer" in page.inner_text("#explanation")
        assert "tm_duration" in page.inner_text("#candidates")
        page.set_viewport_size({"width": 1000, "height": 900})
        page.screenshot(path=str(shots / "try.png"), full_page=True)
        page.click(".logout button")

        log_in(page, served, specialist)
        page.goto(f"{served}/tickets")
        page.click(f"a[href='/tickets/{ticket}'] >> nth=0")
        page.click(f"form[action='/tickets/{ticket}/claim'] button")
        page.fill("textarea[name=body]", "请尽快提出异议，并准备在先使用的证据。")
        page.click(f"form[action='/tickets/{ticket}/answer'] button")
        assert "答复" in page.inner_text("#done")
        assert FIRM_CHAT not in page.content()
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(shots / "ticket.png"), full_page=True)

        page.goto(f"{served}/broadcasts/new")
        page.check("input[name=topics][value=trademark]")  # the count follows the ticked boxes
        page.wait_for_selector("#count:has-text('订阅了商标的企业')")
        browser.close()


@pytest.mark.asyncio
async def test_bureau_and_specialist_in_a_browser(served, shots, db, web_settings, fixture_kb, clock) -> None:
    seed_events(db)
    seed_other_tables(db)
    seed_tickets(db)  # tickets #1–#5 of November
    # The Telegram channel (a real Application over the offline request), whose firm asks for a person:
    # no county, so the ticket goes to the city pool, wang.
    request = OfflineRequest()
    telegram = Engine(fixture_kb, web_settings, db, clock)
    app = build_application(web_settings, request=request, clock=clock, engine=telegram, token=TOKEN,
                            sleep=simulated_sleep(clock))  # the delivery pass waits on the manual clock
    await app.initialize()
    telegram.handle(Message("telegram", FIRM_CHAT, "转人工 我们的茶叶商标被人抢注了怎么办"))
    [ticket] = [r["id"] for r in db.query("select id from tickets where question like '%茶叶%'")]

    await asyncio.to_thread(drive_the_console, served, shots, ticket, "wang")

    await app.bot_data[SERVICES_KEY].delivery.flush()  # the channel's delivery pass sends the desk's notices
    to_firm = [c.params["text"] for c in request.sent("sendMessage") if str(c.params["chat_id"]) == FIRM_CHAT]
    assert to_firm[-1].startswith(f"💬 人工服务专员答复（工单 #{ticket}）：\n请尽快提出异议，并准备在先使用的证据。")
    await app.shutdown()
    assert {path.name for path in shots.glob("*.png")} >= {"dashboard-phone.png", "try.png", "ticket.png"}


NEW_ANSWER = "（已更新）实质审查在{trademark.exam.substantive}内完成；初审公告后有{trademark.opposition.period}异议期。"


def edit_and_publish(served: str, shots: Path, work: Path) -> str:
    """The bureau downloads the knowledge workbook, edits one answer (as in Excel), uploads it, reads the
    change and publishes it, then tries the question: the reply the assistant gives."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = chromium(playwright)
        page = browser.new_page(viewport={"width": 1000, "height": 900}, accept_downloads=True)
        log_in(page, served, "ju")
        page.click("nav a[href='/versions']")
        with page.expect_download() as download:
            page.click("#download")
        edited = work / "knowledge-edited.xlsx"
        edited.write_bytes(edit_cell(Path(download.value.path()).read_bytes(), "trademark", "tm_duration", "answer",
                                     NEW_ANSWER))
        page.set_input_files("input[name=workbook]", str(edited))
        page.fill("#upload input[name=note]", "更新审查周期答复")
        page.click("#upload button[type=submit]")
        assert "kb check 通过" in page.inner_text("#check")
        assert NEW_ANSWER in page.inner_text("#changes pre.after")
        page.screenshot(path=str(shots / "versions-preview.png"), full_page=True)
        page.click("#publish button[type=submit]")
        assert "已发布版本 2" in page.inner_text("#done")
        page.screenshot(path=str(shots / "versions.png"), full_page=True)

        page.goto(f"{served}/try")
        page.fill("textarea[name=question]", "商标注册要多久")
        page.click("form[action='/try'] button[type=submit]")
        reply = page.inner_text("#reply")
        browser.close()
        return reply


def test_knowledge_exported_edited_and_published_in_a_browser(served, shots, tmp_path) -> None:
    assert edit_and_publish(served, shots, tmp_path).startswith("（已更新）实质审查在9个月内完成")
    assert {path.name for path in shots.glob("*.png")} >= {"versions-preview.png", "versions.png"}
