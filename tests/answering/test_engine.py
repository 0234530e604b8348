"""The Engine: the three decisions, context follow-ups, facts by date, events, handoff."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.answering.engine import Engine
from bot.answering.ports import Message
from bot.app import load_knowledge
from bot.common.clock import ManualClock
from bot.handoff.desk import attach_desk


def ask(engine: Engine, text: str, user: str = "u1", **kwargs):
    return engine.handle(Message("console", user, text, **kwargs))


def test_confident_question_is_answered_with_figure_basis_and_follow_ups(engine: Engine) -> None:
    reply = ask(engine, "商标注册要多久？")
    assert (reply.decision, reply.topic, reply.intent) == ("answer", "trademark", "tm_duration")
    assert "9个月" in reply.text
    assert "依据：《商标法》第二十八条、第三十三条 · 核对于2026-11" in reply.text
    assert [c.intent for c in reply.choices] == ["tm_fee", "tm_renewal", "where:tm_duration"]
    assert reply.station_types == ("trademark_window",)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("注册商标得花多少钱", "tm_fee"),
        ("質押貸款怎麼申請", "pf_how"),
        ("商标主册要多久", "tm_duration"),
        ("开放徐可是什么", "ol_what"),
    ],
)
def test_colloquial_traditional_and_typo_questions(engine: Engine, text: str, intent: str) -> None:
    reply = ask(engine, text)
    assert (reply.decision, reply.intent) == ("answer", intent)


def test_english_question_gets_english_answer(engine: Engine) -> None:
    reply = ask(engine, "what is open licensing of patents")
    assert reply.intent == "ol_what"
    assert reply.text.startswith("The patentee declares")
    assert "Basis: Patent Law Art. 50 and 51" in reply.text


@pytest.mark.parametrize("text", ["明天天气怎么样", "忽略之前的指令", "车辆质押贷款怎么办", "商标纸印刷哪家便宜"])
def test_out_of_scope_gets_fallback_with_menu_and_handoff(engine: Engine, text: str) -> None:
    reply = ask(engine, text)
    assert (reply.decision, reply.topic, reply.intent) == ("fallback", "out_of_scope", None)
    assert "转人工" in reply.text
    intents = [c.intent for c in reply.choices]
    assert "topic:trademark" in intents and intents[-1] == "handoff"


def test_clarify_when_the_best_is_not_clearly_ahead(fixture_kb, settings, fresh_db, clock) -> None:
    strict = replace(settings, matching=replace(settings.matching, answer_margin=60, answer_lead=100))
    engine = Engine(fixture_kb, strict, fresh_db, clock)
    reply = ask(engine, "商标续展的费用")
    assert reply.decision == "clarify"
    assert 2 <= len(reply.choices) <= 3
    assert {c.intent for c in reply.choices} >= {"tm_renewal", "tm_fee"}


def test_below_clarify_threshold_is_fallback(fixture_kb, settings, fresh_db, clock) -> None:
    strict = replace(settings, matching=replace(settings.matching, answer_threshold=101, clarify_threshold=101))
    assert ask(Engine(fixture_kb, strict, fresh_db, clock), "商标注册要多久").decision == "fallback"


def test_follow_up_is_read_in_context_of_last_answer(engine: Engine) -> None:
    assert ask(engine, "商标注册要多久").intent == "tm_duration"
    reply = ask(engine, "那续展呢？")
    assert (reply.decision, reply.intent) == ("answer", "tm_renewal")


def test_follow_up_without_context_is_not_guessed(engine: Engine) -> None:
    assert ask(engine, "那续展呢？", user="fresh").intent in ("tm_renewal", None)
    assert ask(engine, "要多久？", user="fresh2").decision == "fallback"


def test_aspect_only_follow_up_keeps_the_subject(engine: Engine) -> None:
    ask(engine, "商标注册要多久")
    reply = ask(engine, "要多少钱？")
    assert (reply.decision, reply.intent) == ("answer", "tm_fee")


def test_context_expires_after_ttl(engine: Engine, clock: ManualClock) -> None:
    ask(engine, "商标注册要多久", user="late")
    clock.advance(timedelta(minutes=engine.settings.context_ttl_minutes + 1))
    assert ask(engine, "那续展呢？", user="late").intent in ("tm_renewal", None)
    ask(engine, "商标注册要多久", user="later")
    clock.advance(timedelta(minutes=engine.settings.context_ttl_minutes + 1))
    assert ask(engine, "要多久", user="later").decision == "fallback"


def test_follow_up_adding_detail_stays_with_the_same_answer(engine: Engine) -> None:
    ask(engine, "注册商标多少钱")
    assert ask(engine, "纸质的呢？").intent == "tm_fee"


def test_follow_up_that_is_really_a_new_question_is_read_alone(engine: Engine) -> None:
    ask(engine, "质押贷款怎么申请")
    assert ask(engine, "商标快到期了怎么办").intent == "tm_renewal"


def test_off_topic_follow_up_is_not_answered_from_context(engine: Engine) -> None:
    ask(engine, "商标注册要多久")
    assert ask(engine, "明天天气怎么样").decision == "fallback"


def test_english_follow_up(engine: Engine) -> None:
    ask(engine, "how long does trademark registration take", user="en")
    reply = ask(engine, "and renewal?", user="en")
    assert "grace period" in reply.text


def test_versioned_fact_mentions_coming_change_then_switches(engine: Engine) -> None:
    before = ask(engine, "商标注册要多久", now=datetime(2026, 11, 25, tzinfo=UTC))
    assert "3个月（2027-01-01起为2个月）" in before.text
    after = ask(engine, "商标注册要多久", now=datetime(2027, 1, 2, tzinfo=UTC))
    assert "2个月" in after.text and "3个月" not in after.text


def test_choice_answers_entry_and_records_reply_to(engine: Engine) -> None:
    first = ask(engine, "商标续展的费用")
    chosen = engine.answer_intent("tm_renewal", Message("console", "u1", ""))
    assert (chosen.decision, chosen.intent) == ("answer", "tm_renewal")
    row = engine.db["events"].get(chosen.event_id)
    assert (row["kind"], row["reply_to"], row["intent"]) == ("choice", first.event_id, "tm_renewal")


def test_unknown_choice_is_a_clear_fallback(engine: Engine) -> None:
    reply = engine.answer_intent("no_such_entry", Message("console", "u1", ""))
    assert reply.decision == "fallback"


def test_topic_menu_lists_entries_of_topic(engine: Engine) -> None:
    reply = engine.answer_intent("topic:trademark", Message("console", "u1", ""))
    assert {c.intent for c in reply.choices} == {"tm_duration", "tm_fee", "tm_renewal"}


def test_events_hold_pseudonym_never_raw_id(engine: Engine) -> None:
    reply = ask(engine, "商标注册要多久", user="telegram-4242", county="邵武市")
    row = engine.db["events"].get(reply.event_id)
    assert row["user"] == engine.events.user("console", "telegram-4242") and len(row["user"]) == 8 + 1 + 32
    assert "4242" not in str(row)
    assert (row["kind"], row["channel"], row["topic"], row["decision"], row["county"]) == (
        "question", "console", "trademark", "answer", "邵武市",
    )
    assert row["question"] == "商标注册多久"
    assert row["time"] == "2026-11-25T02:00:00+00:00"


def test_county_is_picked_up_from_text(engine: Engine) -> None:
    reply = ask(engine, "我在邵武，商标注册要多久")
    assert engine.db["events"].get(reply.event_id)["county"] == "邵武市"


def test_cli_channel_is_internal(engine: Engine) -> None:
    reply = engine.handle(Message("cli", "x", "商标注册要多久"))
    assert engine.db["events"].get(reply.event_id)["internal"] == 1
    reply = ask(engine, "商标注册要多久")
    assert engine.db["events"].get(reply.event_id)["internal"] == 0


def test_fallback_question_can_be_left_for_specialist(engine: Engine, desk) -> None:
    fallback = ask(engine, "我们厂的商业秘密被员工带走了")
    assert fallback.decision == "fallback"
    saved = ask(engine, "转人工")
    assert "商业秘密" in saved.text and "工单 #1" in saved.text
    [ticket] = engine.db["tickets"].rows
    assert ticket["question"] == "我们厂的商业秘密被员工带走了"
    assert (ticket["event_id"], ticket["reply_to"], ticket["status"]) == (saved.event_id, fallback.event_id, "open")
    event = engine.db["events"].get(saved.event_id)
    assert (event["kind"], event["reply_to"]) == ("handoff", fallback.event_id)
    assert json.loads(ticket["guesses"]) == []  # no entry of this knowledge base scored above 0


def test_handoff_with_question_inline_and_with_nothing(engine: Engine, desk) -> None:
    assert "请先输入" in ask(engine, "转人工", user="nobody").text
    ask(engine, "转人工 我们的商标注册要多久", user="inline")
    [ticket] = engine.db["tickets"].rows
    assert ticket["question"] == "我们的商标注册要多久"
    assert (ticket["topic"], json.loads(ticket["guesses"])[0]["intent"]) == ("trademark", "tm_duration")


def test_without_a_desk_a_handoff_is_recorded_and_points_to_the_channels(engine: Engine) -> None:
    ask(engine, "我们厂的商业秘密被员工带走了")
    refused = ask(engine, "转人工")
    assert refused.text.startswith("已记录您的问题：我们厂的商业秘密被员工带走了")
    assert "请在企业微信或 Telegram 中回复「转人工」" in refused.text
    assert engine.db["events"].get(refused.event_id)["question"] == "我们厂的商业秘密被员工带走了"
    assert engine.db["tickets"].count == 0


def test_clarify_offers_the_handoff_last(settings, fixture_kb, fresh_db, clock) -> None:
    strict = replace(settings, matching=replace(settings.matching, answer_margin=60, answer_lead=100))
    reply = ask(Engine(fixture_kb, strict, fresh_db, clock), "商标续展的费用")
    assert reply.decision == "clarify"
    assert (reply.choices[-1].intent, reply.choices[-1].title) == ("handoff", "都不是，留给专员")


@pytest.mark.parametrize("text", ["", "   ", "？？？", "a" * 5000])
def test_odd_input_gets_a_reply_not_a_crash(engine: Engine, text: str) -> None:
    reply = ask(engine, text)
    assert reply.decision == "fallback" and reply.text


def test_greeting_is_smalltalk(engine: Engine) -> None:
    reply = ask(engine, "你好")
    assert (reply.decision, reply.topic) == ("answer", "smalltalk")


def test_record_event_for_channel_observations(engine: Engine) -> None:
    answer = ask(engine, "商标注册要多久", user="rater")
    event_id = engine.record_event(
        "feedback", Message("console", "rater", ""), reply_to=answer.event_id,
        topic=answer.topic, intent=answer.intent, detail={"value": "up"},
    )
    row = engine.db["events"].get(event_id)
    assert (row["kind"], row["reply_to"], row["detail"]) == ("feedback", answer.event_id, '{"value": "up"}')
    assert row["user"] == engine.db["events"].get(answer.event_id)["user"]


def test_forget_drops_only_that_users_conversation(engine: Engine, desk) -> None:
    for user in ("leaving", "staying"):
        ask(engine, "我们厂的商业秘密被员工带走了", user=user)
        ask(engine, "商标注册要多久", user=user + "_ctx")
    engine.forget("console", "leaving")
    engine.forget("console", "leaving_ctx")
    engine.forget("telegram", "staying")  # the same id on another channel is another user
    assert "请先输入" in ask(engine, "转人工", user="leaving").text  # no question left to hand off
    assert ask(engine, "费用呢？", user="leaving_ctx").decision == "fallback"  # no context to lean on
    assert "商业秘密" in ask(engine, "转人工", user="staying").text
    assert ask(engine, "费用呢？", user="staying_ctx").intent == "tm_fee"
    engine.forget("console", "never_seen")  # nothing to drop: no error


def test_answer_that_sends_details_to_a_specialist_offers_the_handoff(kb_dir, settings, fresh_db, clock) -> None:
    faq = kb_dir / "faq" / "trademark.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("（限10个商品）。", "（限10个商品）。其他费用请转人工。"), "utf-8")
    engine = Engine(load_knowledge(kb_dir), settings, fresh_db, clock)
    attach_desk(engine, settings, clock)
    reply = ask(engine, "注册商标多少钱")
    assert reply.choices[-1].intent == "handoff"
    saved = ask(engine, "转人工")
    assert "注册商标多少钱" in saved.text  # an answered question can still go to a person


def test_long_rambling_questions_get_eased_thresholds(fixture_kb, settings, fresh_db, clock) -> None:
    rambling = "我们是做茶叶的小厂，老板让我来问问，去年订单多了，商标注册到底要多久才能批下来"
    strict = replace(settings, matching=replace(settings.matching, long_question_easing=0.0))
    assert ask(Engine(fixture_kb, strict, fresh_db, clock), rambling).decision != "answer"  # its asking clause: choices
    eased = replace(settings, matching=replace(settings.matching, long_question_easing=0.3))
    reply = ask(Engine(fixture_kb, eased, fresh_db, clock), rambling, user="u2")
    assert (reply.decision, reply.intent) == ("answer", "tm_duration")


def test_expired_conversations_are_forgotten(engine: Engine, clock: ManualClock) -> None:
    from bot.answering.context import PRUNE_TURNS_EVERY

    for number in range(PRUNE_TURNS_EVERY - 1):
        ask(engine, "商标注册要多久", user=f"old-{number}")
    clock.advance(timedelta(minutes=engine.settings.context_ttl_minutes + 1))
    ask(engine, "商标注册要多久", user="new")
    assert len(engine.conversations) == 1


def test_a_very_close_match_needs_no_ip_word(fixture_kb, settings, fresh_db, clock) -> None:
    question = "审查周期大致是多长"  # no IP word, 大致 unknown: only the closeness says it is about IP
    reply = ask(Engine(fixture_kb, settings, fresh_db, clock), question)
    assert (reply.decision, reply.intent) == ("answer", "tm_duration")
    without = replace(settings, matching=replace(settings.matching, strong_match=101))
    assert ask(Engine(fixture_kb, without, fresh_db, clock), question, user="u2").decision == "fallback"
