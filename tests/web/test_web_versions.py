"""知识版本 in the console: download a version's workbook, upload an edited one and see its changes entry by
entry with kb check's messages, publish (the console's 试问 answers with the new text at once), restore an
earlier version, merge a specialist's draft; who may do it, and a broken workbook publishes nothing."""
from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import yaml
from kb_workbook_edits import cell, drop_sheet, edit_cell
from settings_helper import write_settings
from web_harness import PASSWORD, WEB_CONFIG, console_client, csrf_of, log_in, post

from bot.app import open_db, preview_tree, publish
from bot.knowledge.tree import read_tree
from bot.knowledge.versions import KnowledgeVersions
from web.bureau import XLSX
from web.versions import MAX_UPLOAD_BYTES

NEW_ANSWER = "（已更新）实质审查在{trademark.exam.substantive}内完成；初审公告后有{trademark.opposition.period}异议期。"
TOKEN = re.compile(r'name="token" value="([^"]+)"')
PREVIEW = re.compile(r'href="/versions/preview/([^"]+)\.xlsx"')


def upload(client, data: bytes, note: str = "", csrf: str | None = None):
    return client.post("/versions/upload", data={"csrf": csrf or csrf_of(client, "/versions"), "note": note},
                       files={"workbook": ("knowledge.xlsx", data, XLSX)})


def served_workbook(client) -> bytes:
    response = client.get("/versions/knowledge.xlsx")
    assert response.status_code == 200 and response.headers["content-type"] == XLSX
    return response.content


def publish_from(client, page: str, note: str = ""):
    return post(client, "/versions/publish", {"token": TOKEN.search(page)[1], "note": note}, page="/versions")


def tried(client, question: str = "商标注册要多久") -> str:
    page = post(client, "/try", {"question": question, "fresh": "1"}, page="/try").text
    return page.split('id="reply">')[1].split("</pre>")[0]


def edited(client, answer: str = NEW_ANSWER) -> bytes:
    return edit_cell(served_workbook(client), "trademark", "tm_duration", "answer", answer)


def test_an_unedited_workbook_changes_nothing_and_offers_no_publish(client, db) -> None:
    log_in(client, "ju")
    page = upload(client, served_workbook(client)).text
    assert "没有改动，无需发布" in page and 'action="/versions/publish"' not in page
    assert KnowledgeVersions(db).latest_number() is None


def test_an_edited_answer_is_shown_published_and_answered_at_once(client, db, kb_dir) -> None:
    log_in(client, "ju")
    assert "实质审查在9个月内完成" in tried(client)
    page = upload(client, edited(client), note="更新审查周期答复").text
    change = page.split('<section class="change">')[1]
    assert "修改</span> 条目 <code>tm_duration</code>" in change and "<td>answer</td>" in change
    assert '<pre class="before">实质审查在{trademark.exam.substantive}内完成' in change
    assert f'<pre class="after">{NEW_ANSWER}</pre>' in change
    assert 'id="check">kb check 通过' in page and page.count('<section class="change">') == 1

    response = publish_from(client, page, "更新审查周期答复")
    assert response.headers["location"] == "/versions?published=2"  # version 1: knowledge/ as it was
    assert tried(client).startswith("（已更新）实质审查在9个月内完成")  # the console's Engine switched at once
    listed = client.get(response.headers["location"]).text
    assert "已发布版本 2" in listed and '<strong id="served">2</strong>' in listed
    rows = listed.split('<table id="versions">')[1].split("</tr>")
    assert "web:ju" in rows[1] and "更新审查周期答复" in rows[1] and '<td class="n">1</td>' in rows[1]
    assert "knowledge/" in rows[2] and "seed" in rows[2]
    assert [r["actor"] for r in db.query("select actor from audit where action = 'kb_publish'")] == ["ju"]
    assert read_tree(kb_dir)["faq/trademark.yaml"].count("（已更新）") == 0  # knowledge/ on disk is only the seed


def test_a_broken_workbook_shows_kb_check_and_publishes_nothing(client, db) -> None:
    log_in(client, "li")
    page = upload(client, edited(client, "官费{trademark.fee.nope}")).text
    assert "kb check 发现" in page and "tm_duration: answer: unknown fact {trademark.fee.nope}" in page
    assert 'action="/versions/publish"' not in page
    token = PREVIEW.search(page)[1]  # posting the preview's token anyway publishes nothing
    refused = post(client, "/versions/publish", {"token": token}, page="/versions")
    assert refused.status_code == 409 and "不能发布" in refused.text
    layout = upload(client, drop_sheet(served_workbook(client), "facts")).text
    assert "workbook: -: facts: sheet missing" in layout
    assert "workbook: -: file: not an Excel workbook (.xlsx)" in upload(client, b"not a workbook").text
    assert KnowledgeVersions(db).latest_number() is None


def test_restore_brings_back_the_earlier_answer(client, db) -> None:
    log_in(client, "ju")
    publish_from(client, upload(client, edited(client)).text)
    assert tried(client).startswith("（已更新）")
    page = post(client, "/versions/1/restore", page="/versions").text
    assert "发布预览：恢复版本 1" in page and f'<pre class="before">{NEW_ANSWER}</pre>' in page
    assert publish_from(client, page).headers["location"] == "/versions?published=3"
    assert tried(client).startswith("实质审查在9个月内完成")
    assert KnowledgeVersions(db).version(3).restored_from == 1
    assert post(client, "/versions/9/restore", page="/versions").status_code == 404


def test_a_preview_is_kept_on_the_server_for_its_owner_only(client, db) -> None:
    log_in(client, "ju")
    page = upload(client, edited(client)).text
    client.post("/logout", data={"csrf": csrf_of(client, "/versions")})
    log_in(client, "li")
    stolen = publish_from(client, page)
    assert stolen.status_code == 410 and "预览已过期或不存在" in stolen.text
    assert post(client, "/versions/publish", {"token": "made-up"}, page="/versions").status_code == 410
    assert KnowledgeVersions(db).latest_number() is None


def test_a_publication_after_the_preview_asks_to_look_again(client, db, web_settings, clock) -> None:
    log_in(client, "ju")
    first = upload(client, edited(client)).text
    second = upload(client, edit_cell(served_workbook(client), "trademark", "tm_fee", "title", "商标注册费用（新）")).text
    publish_from(client, first)
    again = publish_from(client, second)
    assert again.status_code == 409 and "预览之后已有新版本发布" in again.text and "相对于版本 2" in again.text
    assert publish_from(client, again.text).headers["location"] == "/versions?published=3"


def test_an_account_that_may_not_curate_reads_but_cannot_upload_or_publish(client, db, accounts) -> None:
    accounts.add("zhao", "specialist", "telegram:7777", PASSWORD, actor="test", now=datetime(2026, 11, 1, tzinfo=UTC))
    log_in(client, "ju")
    page = upload(client, edited(client)).text
    client.post("/logout", data={"csrf": csrf_of(client, "/versions")})
    log_in(client, "zhao")  # a specialist account whose chat identity is no longer a configured specialist
    listed = client.get("/versions").text
    assert 'id="download"' in listed and 'action="/versions/upload"' not in listed
    assert upload(client, served_workbook(client)).status_code == 403
    assert publish_from(client, page).status_code == 403
    assert post(client, "/versions/1/restore", page="/versions").status_code == 403
    assert KnowledgeVersions(db).latest_number() is None


def test_an_upload_needs_the_sessions_csrf_token_and_a_bounded_size(client, db) -> None:
    log_in(client, "ju")
    response = upload(client, served_workbook(client), csrf="forged")
    assert response.status_code == 403 and "CSRF" in response.text
    assert upload(client, b"x" * (MAX_UPLOAD_BYTES + 1)).status_code == 400
    empty = upload(client, b"")
    assert empty.status_code == 400 and "请选择一个 .xlsx 工作簿" in empty.text
    assert KnowledgeVersions(db).latest_number() is None


DRAFT = {
    "id": "ticket_7", "draft": True, "topic": "open_license", "title": "开放许可的许可费怎么定",
    "title_en": "How the open licence fee is set",
    "questions": ["开放许可的许可费怎么定", "开放许可费用标准是什么", "开放许可收多少许可费", "许可费由谁来定",
                  "开放许可的使用费如何确定", "how is the open licence fee set"],
    "keywords": [], "answer": "许可费由专利权人在开放许可声明中写明，按声明的方式和标准支付。",
    "answer_en": "The patentee states the fee in the open licence declaration; it is paid as stated there.",
    "follow_ups": [], "station_types": [], "source": "专员答复 (ticket 7)", "reviewed": datetime(2026, 11, 20).date(),
}


def write_draft(kb_dir, entry: dict) -> None:
    folder = kb_dir / "drafts"
    folder.mkdir(exist_ok=True)
    (folder / f"{entry['id']}.yaml").write_text(yaml.safe_dump([entry], allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_a_specialists_draft_is_merged_into_a_new_version(client, db, kb_dir) -> None:
    write_draft(kb_dir, DRAFT)
    log_in(client, "li")
    listed = client.get("/versions").text.split('<table id="drafts">')[1]
    assert "开放许可的许可费怎么定" in listed and 'action="/versions/drafts/ticket_7/merge"' in listed
    page = post(client, "/versions/drafts/ticket_7/merge", page="/versions").text
    assert "新增</span> 条目 <code>ticket_7</code>" in page and 'id="check">kb check 通过' in page
    assert "draft" not in page.split('<div id="changes">')[1].split("</div>")[0].replace("drafts", "")
    assert publish_from(client, page).headers["location"] == "/versions?published=2"
    assert "许可费由专利权人在开放许可声明中写明" in tried(client, "开放许可费用标准是什么")
    assert "已在知识库中" in client.get("/versions").text.split('<table id="drafts">')[1]
    published = KnowledgeVersions(db).tree(2)["faq/open_license.yaml"]
    assert published.startswith(KnowledgeVersions(db).tree(1)["faq/open_license.yaml"].rstrip("\n"))  # comments kept
    assert [r["actor"] for r in db.query("select actor from audit where action = 'kb_publish'")] == ["9001"]


def test_an_unfinished_draft_shows_what_is_missing_and_can_be_downloaded(client, db, kb_dir) -> None:
    write_draft(kb_dir, {**DRAFT, "answer_en": "", "questions": DRAFT["questions"][:1]})
    log_in(client, "ju")
    page = post(client, "/versions/drafts/ticket_7/merge", page="/versions").text
    assert "kb check 发现" in page and "ticket_7" in page.split('id="errors"')[1]
    assert 'action="/versions/publish"' not in page
    download = client.get(f"/versions/preview/{PREVIEW.search(page)[1]}.xlsx")
    assert download.status_code == 200 and download.content[:2] == b"PK"
    assert KnowledgeVersions(db).latest_number() is None


def test_a_versions_workbook_is_the_versions_tree(client, db, kb_dir) -> None:
    log_in(client, "ju")
    publish_from(client, upload(client, edited(client)).text)
    assert cell(client.get("/versions/2.xlsx").content, "trademark", "tm_duration", "answer") == NEW_ANSWER
    assert cell(client.get("/versions/1.xlsx").content, "trademark", "tm_duration", "answer").startswith("实质审查")
    assert client.get("/versions/5.xlsx").status_code == 404


def test_a_version_published_elsewhere_reaches_the_console_by_polling(tmp_path, kb_dir, clock, fixture_kb, accounts) -> None:
    """`kb import --publish` (another process) publishes; the console's poller switches its Engine and 试问."""
    settings = write_settings(tmp_path, kb_dir, WEB_CONFIG + "knowledge:\n  poll_seconds: 0.05\n")
    other = open_db(settings.db_path)
    tree = read_tree(kb_dir)
    tree["faq/trademark.yaml"] = tree["faq/trademark.yaml"].replace("实质审查在{trademark.exam.substantive}内完成",
                                                                    "（他处发布）实质审查在{trademark.exam.substantive}内完成")
    with console_client(settings, clock, fixture_kb) as client:
        log_in(client, "ju")
        assert publish(settings, other, preview_tree(settings, other, tree), "telegram:9001", clock.now()).number == 2
        deadline = time.monotonic() + 20
        while not tried(client).startswith("（他处发布）") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert tried(client).startswith("（他处发布）实质审查在9个月内完成")
