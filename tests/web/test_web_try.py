"""试问 and 知识缺口: the Engine's own reply with what drove it, on a chosen channel and day, and nothing
recorded in the bot's database; the gaps of a period."""
from __future__ import annotations

from metrics_seed import seed_events, seed_tickets
from web_harness import log_in, post


def ask(client, question: str, **fields: str):
    return post(client, "/try", {"question": question, **fields}, page="/try")


def test_a_tried_question_shows_the_reply_and_why(client, db) -> None:
    log_in(client, "ju")
    page = ask(client, "商标注册要多久", channel="wecom").text
    assert '<pre class="answer" id="reply">实质审查在9个月内完成；初审公告后有3个月（2027-01-01起为2个月）异议期' in page
    assert '<span class="tag">已回答</span>' in page and '<span class="tag">tm_duration</span>' in page
    assert "top 100, lead 28.7: top &gt;= answer 50.0 and lead &gt;= margin 1" in page  # the rule that decided, with its figures
    first_row = page.split('<table id="candidates">')[1].split("</tr>")[1]
    assert 'href="/knowledge/tm_duration"' in first_row and "<td>商标 注册" in first_row  # the words it matched
    assert db.execute("select count(*) from events").fetchone()[0] == 0  # nothing recorded as traffic


def test_a_tried_question_is_answered_as_on_the_chosen_day(client) -> None:
    log_in(client, "li")
    page = ask(client, "商标注册要多久", day="2027-02-01").text
    assert "初审公告后有2个月" in page and "3个月" not in page


def test_follow_ups_read_with_the_last_question_unless_a_new_conversation(client) -> None:
    log_in(client, "ju")
    ask(client, "商标注册要多久")
    page = ask(client, "那续展呢")
    assert "接上一问后" in page.text
    assert "接上一问后" not in ask(client, "那续展呢", fresh="1").text


def test_a_handoff_tried_here_opens_no_ticket(client, db) -> None:
    log_in(client, "ju")
    ask(client, "转人工")
    assert db.execute("select count(*) from tickets").fetchone()[0] == 0


def test_the_try_form_without_a_question_and_without_csrf(client) -> None:
    log_in(client, "ju")
    assert 'id="reply"' not in ask(client, "   ").text
    assert client.post("/try", data={"question": "商标"}).status_code == 403


def test_gaps_are_grouped_with_a_phrasing_and_count(client, db) -> None:
    seed_events(db)
    seed_tickets(db)
    log_in(client, "li")
    page = client.get("/gaps?from=2026-11-09&to=2026-11-22").text
    first = page.split("<tbody>")[1].split("</tr>")[0]
    assert "明天天气怎么样" in first and '<td class="n">2</td>' in first and "#1" in first
    assert "本期间没有知识缺口" in client.get("/gaps?from=2026-10-01&to=2026-10-31").text
