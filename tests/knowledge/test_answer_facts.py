"""Issue 13, content: each entry's answer carries the confirmed facts a firm asking it needs, in Chinese and
in English (ip-facts.md CONFIRMED lines and the city's plan), so a neighbouring question that lands on it
still gets the fact (expect hits on the dev set, docs/answer-quality.md "content")."""
from __future__ import annotations

from datetime import date

import pytest
from test_knowledge_base import real_engine  # noqa: F401  (a shared module fixture; real_kb is in tests/conftest.py)

from bot.answering.engine import Engine
from bot.answering.ports import Message
from bot.knowledge.base import KnowledgeBase

TODAY = date(2026, 12, 4)

# entry id → (facts its Chinese answer states, facts its English answer states)
ENTRY_FACTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ins_enforcement_cover": (("2014", "人保财险", "调查取证费用"), ("2014", "PICC", "investigation")),
    "ins_liability": (("专利侵权责任保险", "被指控"), ("liability", "accused")),
    "ins_how_to_buy": (
        ("2014", "人保财险", "调查费用和法律费用", "被指控侵权"),
        ("2014", "PICC", "investigation and legal costs", "accused"),
    ),
    "pt_annual_fee": (("6个月内补缴", "5%"), ("within 6 months", "5%")),
    "pt_types": (("发明20年", "实用新型10年", "外观设计15年", "申请日"), ("20 years", "10 years", "15 years", "filing date")),
    "ol_what_is": (("15%", "叠加"), ("15%", "does not stack")),
    "ol_local_push": (("书面通知专利权人", "付费"), ("in writing", "pay the published fee")),
    "gi_china_eu": (("中欧地理标志协定", "2021-03-01"), ("China–EU", "2021-03-01")),
    "pol_plan_overview": (("2.1件", "14万件", "18900件", "7亿元", "210家", "240人"), ("2.1", "140,000", "18,900", "700 million")),
    "cr_register_works": (("自愿", "创作完成之日"), ("voluntary", "completed")),
    "cr_packaging": (("创作完成之日", "不登记也受保护"), ("completed", "registered or not")),
    "tm_process": (("15日内可申请复审",), ("within 15 days",)),
    "pdp_rewards": (("试点平台", "专利产品备案"), ("pilot platform", "patent-product filing")),
    "gi_nanping_count": (("111件", "邵武", "13件"), ("111", "Shaowu", "13")),
    "pf_what_is": (("书面质押合同", "共同向国家知识产权局申请"), ("written pledge contract", "apply jointly")),
    "pt_which_right": (("登记自愿",), ("voluntary",)),
    "gi_logo_apply": (("统一社会信用代码", "集体成员", "证明商标被许可人"), ("credit code", "collective mark", "certification mark")),
    "cr_time": (("60日", "初步证明"), ("60 days", "prima facie")),
}


def rendered(kb: KnowledgeBase, entry_id: str) -> tuple[str, str]:
    entry = next(e for e in kb.entries.values() if e.id == entry_id)
    return kb.facts.render(entry.answer, "zh", TODAY), kb.facts.render(entry.answer_en, "en", TODAY)


@pytest.mark.parametrize("entry_id", sorted(ENTRY_FACTS))
def test_the_answer_states_the_confirmed_facts_in_both_languages(real_kb: KnowledgeBase, entry_id: str) -> None:
    zh, en = rendered(real_kb, entry_id)
    want_zh, want_en = ENTRY_FACTS[entry_id]
    assert [f for f in want_zh if f not in zh] == []
    assert [f for f in want_en if f not in en] == []


@pytest.mark.parametrize(
    "question",
    ["专利密集型产品是什么，备案认定怎么走", "专利密集型产品怎么备案", "专利密集产品是怎么回事", "专利密集产品怎么认定"],
)
def test_what_a_patent_dense_product_is_and_how_to_file_it_is_one_answer(
    real_engine: Engine, question: str  # noqa: F811
) -> None:
    reply = real_engine.handle(Message("test", f"pdp-{question}", question))
    assert (reply.decision, reply.intent) == ("answer", "pdp_what_is")
    assert "985" in reply.text and "试点平台" in reply.text


@pytest.mark.parametrize(
    ("question", "intent"), [("专利分几种", "pt_types"), ("专利保险分几种", "ins_types"), ("专利保险有几种", "ins_types")]
)
def test_the_kinds_of_patent_and_the_kinds_of_patent_insurance_stay_apart(
    real_engine: Engine, question: str, intent: str  # noqa: F811
) -> None:
    reply = real_engine.handle(Message("test", f"kinds-{question}", question))
    assert (reply.decision, reply.intent) == ("answer", intent)
