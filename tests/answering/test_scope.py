"""Out of scope by meaning (issue 13 item 5): near-misses that share a word with IP stay out, and the
fallback says what the assistant does cover. Run on the shipped knowledge base and config."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Iterator

import pytest

from bot.answering import scope
from bot.answering.engine import Engine
from bot.answering.ports import Message
from bot.answering.scope import ScopeReading
from bot.app import open_db
from bot.common.clock import ManualClock
from bot.common.config import PROJECT_ROOT as ROOT
from bot.common.config import load_settings
from bot.knowledge.base import KnowledgeBase
from bot.language import memo as language_memo


@pytest.fixture(scope="module")
def real_engine(real_kb: KnowledgeBase) -> Engine:
    settings = load_settings(environ={"BOT_DB_PATH": ":memory:"})
    assert settings.knowledge_dir.resolve() == (ROOT / "knowledge").resolve()  # real_kb is what config names
    clock = ManualClock(datetime(2026, 12, 3, 2, 0, tzinfo=UTC))
    return Engine(real_kb, settings, open_db(":memory:"), clock)


@pytest.mark.parametrize("text", [
    "车辆质押贷款怎么办",  # 质押 of a vehicle
    "商标纸印刷多少钱一张",  # printing labels
    "地理考试怎么复习",  # a geography exam
    "域名怎么注册",  # a domain name
    "高企认定需要什么条件",  # high-tech enterprise status
    "买到的茶叶发霉了我要投诉商家",  # a consumer complaint
])
def test_near_misses_with_an_ip_word_stay_out(real_engine: Engine, text: str) -> None:
    reply = real_engine.handle(Message("test", text, text))
    assert (reply.decision, reply.topic) == ("fallback", "out_of_scope")


def test_a_domain_name_dispute_stays_out(real_engine: Engine) -> None:
    reply = real_engine.handle(Message("test", "d", "公司域名被别人抢注了怎么办"))
    assert reply.decision == "fallback"


@pytest.mark.parametrize(("lang", "covered"), [("zh", "商标、专利"), ("en", "trademarks, patents")])
def test_the_fallback_says_what_the_assistant_covers(real_engine: Engine, lang: str, covered: str) -> None:
    text = "明天会下雨吗" if lang == "zh" else "will it rain tomorrow"
    reply = real_engine.handle(Message("test", f"w-{lang}", text))
    assert reply.decision == "fallback"
    assert covered in reply.text


# ---- the scope decision, case by case (bot/answering/scope.py) --------------------------------------

def read(engine: Engine, text: str) -> ScopeReading:
    return engine.scope.read(engine.kb.normalizer.analyze(text))


@pytest.mark.parametrize("text", [
    "用挖掘机做抵押能贷多少",  # 质押 of a machine
    "車輛質押貸款利息多少",  # traditional
    "股权质押登记去哪里办",  # a share pledge, not a station question
    "Can I pledge my excavator for a bank loan?",
    "商标贴纸一万张多少钱",  # 商标 qualifies 贴纸
    "专利局门口能停车吗",  # 专利局 is a place here
    "工伤纠纷找谁调解",  # a labour dispute
    "水产养殖许可证怎么办",  # a fishery licence
    "食品经营许可证到期了怎么续",  # a food licence, not 续展
    "公司域名到期了怎么续费",
    "买到的竹砧板发霉了我要投诉商家",  # a consumer complaint
    "地理中考要背哪些知识点",  # a geography exam
])
def test_a_near_miss_falls_back_as_out_of_scope(real_engine: Engine, text: str) -> None:
    reply = real_engine.handle(Message("test", f"near-{text}", text))
    assert (reply.decision, reply.topic) == ("fallback", "out_of_scope")


@pytest.mark.parametrize(("text", "decision", "topic"), [
    ("外观设计专利要多少钱", "answer", "patent"),
    ("地理标志产品保护怎么申请", "answer", "geographical_indication"),
    ("商标注册证上的地址要变更吗", "answer", "trademark"),
    ("How much does it cost to register a trademark for tea?", "answer", "trademark"),
    ("商標被搶註了怎麼辦", "answer", "trademark"),
    ("茶厂的专利能质押贷款吗", "clarify", "pledge_financing"),
])
def test_an_ip_question_phrased_around_the_same_words_is_answered(
    real_engine: Engine, text: str, decision: str, topic: str
) -> None:
    reply = real_engine.handle(Message("test", f"alike-{text}", text))
    assert (reply.decision, reply.topic) == (decision, topic)


@pytest.mark.parametrize(("text", "rights"), [
    ("印刷厂盗印我们的商标包装，怎么维权", ("商标",)),  # printing named, but the right is what is asked about
    ("Someone printed our trademark on their tea boxes without permission, what can we do?", ("商标",)),
    ("没有房产，能用商标质押贷款吗", ("商标",)),
    ("软著登记需要营业执照吗", ("著作权",)),
])
def test_a_right_standing_as_the_subject_makes_it_ip(real_engine: Engine, text: str, rights: tuple[str, ...]) -> None:
    reading = read(real_engine, text)
    assert reading.about_ip and reading.rights == rights and not reading.modifiers


@pytest.mark.parametrize(("text", "modifier"), [
    ("商标贴纸一万张多少钱", "商标"),
    ("Where can I print trademark labels cheaply?", "商标"),
    ("专利局门口能停车吗", "专利局"),
])
def test_an_ip_word_that_only_qualifies_another_noun_is_not_a_subject(
    real_engine: Engine, text: str, modifier: str
) -> None:
    reading = read(real_engine, text)
    assert not reading.about_ip and not reading.rights and reading.modifiers == (modifier,)


def test_a_question_without_a_right_is_ip_when_the_knowledge_base_covers_what_it_says(real_engine: Engine) -> None:
    covered = read(real_engine, "质押贷款还不上会怎样")
    assert covered.about_ip and not covered.rights and not covered.foreign
    elsewhere = read(real_engine, "拿房产证去银行办质押贷款要多久")
    assert not elsewhere.about_ip and elsewhere.foreign == ("房产证",)


@pytest.mark.parametrize(("follow_up", "decision", "intent"), [
    ("纸质的呢", "answer", "tm_fee"),  # elliptical: its subject is the last question's
    ("那车辆质押呢", "fallback", None),  # a vehicle, whatever the context
    ("明天天气怎么样", "fallback", None),  # a new question, read as typed
])
def test_a_follow_up_is_read_in_context_only_when_elliptical(
    real_engine: Engine, follow_up: str, decision: str, intent: str | None
) -> None:
    user = f"follow-{follow_up}"
    real_engine.handle(Message("test", user, "注册商标多少钱"))
    reply = real_engine.handle(Message("test", user, follow_up))
    assert (reply.decision, reply.intent) == (decision, intent)


# ---- rights in everyday questions (the fallback work, docs/answer-quality.md "Rights that fell back") ----

@pytest.mark.parametrize("text", [
    "做养殖的想注册个水产品商标，鳗鱼属于哪一类，怎么查",  # the comma ends the compound: 商标 is asked about
    "厂里改进了笋干烘干机，想申请专利，小企业能少交费用吗",
])
def test_a_right_before_a_comma_qualifies_no_noun(real_engine: Engine, text: str) -> None:
    reading = read(real_engine, text)
    assert reading.about_ip and reading.rights and not reading.modifiers


@pytest.mark.parametrize("text", [
    "有人在集市上卖仿我们的竹凉席，怎么办",
    "隔壁县有人假冒我家的笋干，包装都一样",
    "Someone sells fakes of our bamboo mats at the night market",
])
def test_a_copy_of_the_askers_own_goods_is_ip(real_engine: Engine, text: str) -> None:
    reading = read(real_engine, text)
    assert reading.asker_party and reading.about_ip


@pytest.mark.parametrize("text", [
    "买到假冒的茶叶，作为消费者怎么维权",  # a buyer: nothing of the asker's is copied
    "网上买的建盏是假货，店家不给退",
])
def test_a_buyers_complaint_about_a_fake_owns_nothing_copied(real_engine: Engine, text: str) -> None:
    assert not read(real_engine, text).asker_party


@pytest.mark.parametrize("text", [
    "隔壁厂说我们侵权，要告我们，怎么应对",  # the asker accused
    "同行投诉我们侵犯他的外观设计专利",
])
def test_an_infringement_the_asker_is_accused_of_is_ip(real_engine: Engine, text: str) -> None:
    reading = read(real_engine, text)
    assert reading.asker_party and reading.about_ip


@pytest.mark.parametrize("text", ["专利密集产品怎么认定", "专利密集的产品有奖励吗"])
def test_a_right_typed_short_is_no_compound(real_engine: Engine, text: str) -> None:
    reading = read(real_engine, text)
    assert reading.about_ip and not reading.modifiers
@pytest.fixture
def fresh_general_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty memo directory, and general_words() not yet computed in this process."""
    monkeypatch.setenv(language_memo.CACHE_ENV, str(tmp_path))
    scope.general_words.cache_clear()
    yield tmp_path
    scope.general_words.cache_clear()


def test_the_general_words_are_read_back_from_disk_as_the_dictionary_gives_them(
    fresh_general_words: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from_dictionary = scope._general_words_in_dictionary()
    assert scope.general_words() == from_dictionary and {"这种", "附近"} <= from_dictionary
    scope.general_words.cache_clear()
    monkeypatch.setattr(scope, "_general_words_in_dictionary", lambda: pytest.fail("the dictionary was read again"))
    assert scope.general_words() == from_dictionary


def test_a_damaged_general_words_memo_means_reading_the_dictionary_again(fresh_general_words: Path) -> None:
    scope.general_words()
    [memo] = fresh_general_words.glob("general-*.json")
    memo.write_text('{"words": ["这种", ', encoding="utf-8")  # cut short
    scope.general_words.cache_clear()
    assert scope.general_words() == scope._general_words_in_dictionary()
