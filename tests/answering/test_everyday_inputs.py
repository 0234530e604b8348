"""What firm owners type first, on the real knowledge base: bare topic words open menus, help and
greetings show the topics, ok / numbers / noise never continue the last answer, follow-ups are read in
context only when they fit it, handoff words count only as words."""
from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.answering.ports import Message, Reply
from bot.app import open_db
from bot.common.clock import ManualClock
from bot.common.config import load_settings
from bot.common.vocab import IP_TOPICS
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.menus import GROUP_PREFIX, MAX_ENTRIES_PER_GROUP, MAX_GROUPS_PER_TOPIC, groups_of

ROOT = Path(__file__).resolve().parents[2]
_users = count()


@pytest.fixture(scope="module")
def real_engine(real_kb: KnowledgeBase) -> Engine:
    kb = real_kb
    settings = load_settings(ROOT / "config.yaml", environ={})
    return Engine(kb, settings, open_db(":memory:"), ManualClock(datetime(2026, 12, 3, 2, tzinfo=UTC)))


def conversation(engine: Engine, *texts: str) -> Reply:
    """Send the texts as one new user; the reply to the last."""
    user = f"firm-{next(_users)}"
    reply = None
    for said in texts:
        reply = engine.handle(Message("test", user, said))
    assert reply is not None
    return reply


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("商标", "trademark"), ("trademark", "trademark"), ("Trademark", "trademark"), ("商标？", "trademark"),
        ("商标的问题", "trademark"), ("咨询商标", "trademark"), ("商標", "trademark"), ("专利", "patent"),
        ("patent", "patent"), ("专利方面", "patent"), ("質押", "pledge_financing"), ("质押", "pledge_financing"),
        ("维权", "enforcement"), ("地标", "geographical_indication"), ("地理标志", "geographical_indication"),
        ("版权", "copyright"), ("开放许可", "open_license"), ("保险", "insurance"),
        ("专利密集型产品", "patent_dense_product"), ("政策", "policy"), ("服务站", "service_station"),
    ],
)
def test_a_bare_topic_word_opens_that_topics_menu(real_engine: Engine, text: str, topic: str) -> None:
    reply = conversation(real_engine, text)
    assert (reply.decision, reply.topic, reply.intent) == ("clarify", topic, f"topic:{topic}")
    assert 1 <= len(reply.choices) <= MAX_GROUPS_PER_TOPIC + 1


@pytest.mark.parametrize(("text", "group"), [("软著", "cr_software"), ("我要投诉", "enf_howto"), ("撤三", "tm_use")])
def test_a_bare_sub_topic_word_opens_its_group(real_engine: Engine, text: str, group: str) -> None:
    reply = conversation(real_engine, text)
    assert (reply.decision, reply.intent) == ("clarify", GROUP_PREFIX + group)
    assert reply.choices[-1].intent.startswith("topic:")  # the way back to the whole topic


def test_a_topic_menu_lists_groups_and_a_group_its_entries(real_engine: Engine) -> None:
    menu = conversation(real_engine, "商标")
    assert all(c.intent.startswith(GROUP_PREFIX) for c in menu.choices)
    group = real_engine.answer_intent(menu.choices[1].intent, Message("test", "menu-user", ""))
    entries = [c for c in group.choices if not c.intent.startswith("topic:")]
    assert entries and all(real_engine.entry(c.intent).group == menu.choices[1].intent[len(GROUP_PREFIX):]
                           for c in entries)


def test_every_ip_entry_is_in_a_short_group(real_engine: Engine) -> None:
    groups = groups_of(real_engine.kb)
    for entry in real_engine.kb.entries.values():
        if entry.topic in IP_TOPICS:
            assert groups[entry.group].topic == entry.topic
    for group in groups:
        assert len([e for e in real_engine.kb.entries.values() if e.group == group]) <= MAX_ENTRIES_PER_GROUP


@pytest.mark.parametrize("text", ["帮助", "菜单", "help", "menu", "怎么用", "HELP", "幫助"])
def test_help_words_give_the_help_text_and_the_top_menu(real_engine: Engine, text: str) -> None:
    reply = conversation(real_engine, text)
    assert (reply.decision, reply.intent) == ("answer", "sm_help")
    assert [c.intent for c in reply.choices] == [f"topic:{t}" for t in IP_TOPICS] + ["handoff"]


@pytest.mark.parametrize("text", ["你好", "您好", "在吗", "hello", "hi"])
def test_greetings_end_with_the_top_menu(real_engine: Engine, text: str) -> None:
    reply = conversation(real_engine, text)
    assert (reply.decision, reply.intent) == ("answer", "sm_greeting")
    assert reply.choices[0].intent == "topic:trademark" and reply.choices[-1].intent == "handoff"


@pytest.mark.parametrize("text", ["ok", "OK", "好的", "好", "嗯嗯", "哈哈", "收到", "知道了", "👍", "😀👍🍵"])
def test_acknowledgements_get_a_short_acknowledgement_not_the_last_answer(real_engine: Engine, text: str) -> None:
    reply = conversation(real_engine, "商标注册要多少钱", text)
    assert (reply.decision, reply.topic, reply.intent) == ("answer", "smalltalk", "ack")
    assert reply.language == "zh" and "270" not in reply.text


@pytest.mark.parametrize("text", ["99", "0", "第二个", "7", "选5"])
def test_a_number_that_picks_nothing_says_which_numbers_are_valid(real_engine: Engine, text: str) -> None:
    answer = conversation(real_engine, "商标注册要多少钱")
    reply = conversation(real_engine, "商标注册要多少钱", text)
    assert (reply.decision, reply.intent) == ("fallback", None)
    assert f"1–{len(answer.choices)}" in reply.text


def test_a_number_with_nothing_listed_offers_the_topics(real_engine: Engine) -> None:
    reply = conversation(real_engine, "3")
    assert reply.decision == "fallback" and reply.choices[0].intent == "topic:trademark"


@pytest.mark.parametrize("text", ["asdfghjkl", "？", "...", "qwerty uiop", "zzzz", "。。。", "!!!"])
def test_noise_after_an_answer_gets_the_fallback_in_the_conversations_language(real_engine: Engine, text: str) -> None:
    reply = conversation(real_engine, "商标注册要多少钱", text)
    assert (reply.decision, reply.topic) == ("fallback", "out_of_scope")
    assert reply.language == "zh"


def test_an_acknowledgement_keeps_the_context_for_the_next_follow_up(real_engine: Engine) -> None:
    reply = conversation(real_engine, "商标注册要多少钱", "ok", "要多久")
    assert (reply.decision, reply.topic) == ("answer", "trademark")


@pytest.mark.parametrize(
    ("first", "follow_up", "topic"),
    [
        ("开放许可要多久", "那续展呢？", "trademark"),
        ("专利开放许可怎么声明", "那商标续展呢", "trademark"),
        ("质押贷款怎么办", "那地理标志呢", "geographical_indication"),
    ],
)
def test_a_follow_up_that_does_not_fit_the_last_subject_is_a_new_question(
    real_engine: Engine, first: str, follow_up: str, topic: str
) -> None:
    reply = conversation(real_engine, first, follow_up)
    assert reply.topic == topic and reply.decision != "fallback"


def test_a_follow_up_that_fits_stays_in_context(real_engine: Engine) -> None:
    reply = conversation(real_engine, "商标续展怎么办", "费用呢")
    assert (reply.decision, reply.intent) == ("answer", "tm_renewal_fee")


@pytest.mark.parametrize("text", ["人工智能专利怎么申请", "人工养殖的鱼能注册地理标志吗", "human rights and patents",
                                  "our agents sell tea abroad, can they use our trademark"])
def test_handoff_words_inside_a_sentence_are_not_a_request_for_a_person(real_engine: Engine, text: str) -> None:
    assert conversation(real_engine, text).intent != "handoff"


@pytest.mark.parametrize("text", ["转人工", "人工", "人工 商标被抢注怎么办", "转人工商标被抢注怎么办", "human", "留言：想问质押"])
def test_handoff_words_as_words_reach_a_person(real_engine: Engine, text: str) -> None:
    assert conversation(real_engine, "商标注册要多少钱", text).intent == "handoff"


def _every_menu(engine: Engine) -> list[Reply]:
    """The top menu (help), every topic menu and every group menu, in both languages."""
    menus = []
    for lang in ("zh", "en"):
        message = Message("test", "menu-walker", "", language=lang)
        menus.append(engine.handle(Message("test", "menu-walker", "help" if lang == "en" else "帮助")))
        menus += [engine.answer_intent(f"topic:{t}", message) for t in IP_TOPICS]
        menus += [engine.answer_intent(GROUP_PREFIX + g, message) for g in groups_of(engine.kb)]
    return menus


def test_every_menu_fits_one_wecom_message(real_engine: Engine) -> None:
    from handlers.wecom.client import TEXT_LIMIT_BYTES
    from handlers.wecom.prompt import render, reply_prompt

    for menu in _every_menu(real_engine):
        assert len(render(reply_prompt(menu)).encode()) <= TEXT_LIMIT_BYTES, menu.intent


def test_every_menu_fits_one_telegram_screen(real_engine: Engine) -> None:
    from handlers.telegram.render import reply_markup

    for menu in _every_menu(real_engine):
        keyboard = reply_markup(menu).inline_keyboard
        assert len(keyboard) <= MAX_ENTRIES_PER_GROUP + 2, menu.intent  # entries, the way back, 👍/👎
        assert all(len(button.callback_data.encode()) <= 64 for row in keyboard for button in row)


def test_a_multi_part_question_answers_the_main_part_and_offers_the_others(real_engine: Engine) -> None:
    user = "tea-firm"
    reply = real_engine.handle(Message("test", user, "我们是做武夷岩茶的，想注册个商标，要多少钱，多久能下来，在建阳去哪里办"))
    assert (reply.decision, reply.topic) == ("answer", "trademark")
    offered = [c.intent for c in reply.choices]
    asked = {reply.intent, *offered}
    where = [i for i in offered if i.startswith("where:")]  # the answer's own, or the topic's
    assert {"tm_fee", "tm_duration"} <= asked and where
    stations = real_engine.answer_intent(where[0], Message("test", user, ""))
    assert stations.decision == "answer" and "商标" in stations.text


def test_a_two_part_question_offers_the_second_part_first(real_engine: Engine) -> None:
    reply = conversation(real_engine, "商标注册费用和时间")
    assert reply.intent == "tm_fee" and reply.choices[0].intent == "tm_duration"
    assert "您还问到" in reply.text


@pytest.mark.parametrize("text", ["商標審查要多長時間", "商標異議期多長", "商標侵權賠償標準"])
def test_traditional_questions_on_versioned_facts_get_a_traditional_answer(real_engine: Engine, text: str) -> None:
    reply = conversation(real_engine, text)
    assert reply.decision == "answer" and reply.language == "zh-hant"
    assert "商標" in reply.text
