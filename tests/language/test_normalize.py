"""Normalisation: script, fillers, synonyms, typo repair, segmentation."""
from __future__ import annotations

import jieba
import pytest

from bot.answering.engine import Engine
from bot.answering.ports import Message
from bot.knowledge.base import KnowledgeBase
from bot.language import normalize
from bot.language.normalize import Lexicon, Normalizer, clean, join_tokens, looks_english


def test_clean_applies_nfkc_simplified_and_lower_case() -> None:
    assert clean("質押貸款怎麼申請？") == "质押贷款怎么申请"
    assert clean("ＡＢＣ　商標！") == "abc 商标"


def test_looks_english() -> None:
    assert looks_english("What is open licensing?")
    assert not looks_english("商标 renewal 要多久")


def test_join_tokens_spaces_only_between_latin_words() -> None:
    assert join_tokens(["商标", "open", "license", "费用"]) == "商标open license费用"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("请问一下，我想问一下商标续展的费用吗？", "商标续展费用"),
        ("注册个牌子要多少钱", "注册商标费用"),
        ("地标怎么申请", "地理标志注册"),
    ],
)
def test_fillers_and_synonyms(fixture_kb: KnowledgeBase, typed: str, expected: str) -> None:
    assert fixture_kb.normalizer.analyze(typed).text == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("someone infringes my patents", ("someone", "侵权", "专利")),
        ("my trademark was infringed", ("商标", "侵权")),
        ("registered marks", ("注册", "商标")),
        ("renewing licences", ("续展", "许可")),
        ("IP disputes", ("知识产权", "纠纷")),
        ("patented things", ("专利", "things")),  # things: no listed base, left as typed
    ],
)
def test_english_inflections_meet_their_listed_word(fixture_kb: KnowledgeBase, typed: str, expected: tuple) -> None:
    assert fixture_kb.normalizer.analyze(typed).tokens == expected


@pytest.mark.parametrize(
    ("typo", "word"),
    [("商标主册要多久", "注册"), ("质压贷款", "质押"), ("开放徐可", "开放许可")],
)
def test_homophone_typos_are_repaired_by_pinyin(fixture_kb: KnowledgeBase, typo: str, word: str) -> None:
    assert word in fixture_kb.normalizer.analyze(typo).text


def test_real_words_are_not_rewritten_as_homophones(fixture_kb: KnowledgeBase) -> None:
    assert "使用" in fixture_kb.normalizer.analyze("商标怎么使用").text


def test_english_phrases_map_to_chinese_terms(fixture_kb: KnowledgeBase) -> None:
    tokens = fixture_kb.normalizer.analyze("what is open licensing of patents").tokens
    assert tokens == ("定义", "开放许可", "专利")  # "what is" is the definition aspect


def test_greeting_only_text_keeps_its_cleaned_form(fixture_kb: KnowledgeBase) -> None:
    analysis = fixture_kb.normalizer.analyze("你好！")
    assert analysis.tokens == ()
    assert analysis.cleaned == "你好"


def test_typo_repair_never_cuts_a_known_word(fixture_kb: KnowledgeBase) -> None:
    # 志什么 sounds like 指什么 (a "what is" word), but 志 belongs to 地理标志
    tokens = fixture_kb.normalizer.analyze("地理标志什么时候开始保护").tokens
    assert "地理标志" in tokens and "定义" not in tokens


def test_known_words_inside_compounds_count_for_overlap(fixture_kb: KnowledgeBase) -> None:
    analysis = fixture_kb.normalizer.analyze("地理标志产品需要什么条件")
    assert {"地理标志产品", "地理标志"} <= fixture_kb.normalizer.search_tokens(analysis)


class _CountingSegmenter:
    """Wraps a jieba Tokenizer's lcut and counts its calls."""

    def __init__(self, lcut) -> None:
        self._lcut = lcut
        self.calls = 0

    def __call__(self, text: str, *args, **kwargs) -> list[str]:
        self.calls += 1
        return self._lcut(text, *args, **kwargs)


@pytest.mark.parametrize(("typed", "segmentations"), [("商标注册要多久", 1), ("商彪注册要多久", 2)])
def test_a_question_is_segmented_once_unless_a_typo_is_mended(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, typed: str, segmentations: int
) -> None:
    tokenizer = engine.kb.normalizer._tokenizer
    counter = _CountingSegmenter(tokenizer.lcut)
    monkeypatch.setattr(tokenizer, "lcut", counter)
    engine.handle(Message("test", "u1", typed))
    assert counter.calls == segmentations


def test_jiebas_dictionary_is_loaded_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    loads = 0
    initialize = jieba.Tokenizer.initialize

    def counting(tokenizer: jieba.Tokenizer, *args, **kwargs) -> None:
        nonlocal loads
        loads += 1
        initialize(tokenizer, *args, **kwargs)

    monkeypatch.setattr(normalize, "_dictionary", None)  # as in a fresh process
    monkeypatch.setattr(jieba.Tokenizer, "initialize", counting)
    first, second = Normalizer(Lexicon()), Normalizer(Lexicon(domain_words=frozenset({"商标"})))
    first.analyze("商标注册要多久")
    second.analyze("专利申请")
    assert loads == 1


def test_words_one_normalizer_adds_reach_no_other() -> None:
    base, _ = normalize.jieba_dictionary()
    lamp = Normalizer(Lexicon(), keep_whole=["竹编灯罩"])
    plain = Normalizer(Lexicon())
    assert "竹编灯罩" in lamp.analyze("竹编灯罩多少钱").tokens
    assert "竹编灯罩" not in plain.analyze("竹编灯罩多少钱").tokens
    assert "竹编灯罩" not in base


@pytest.mark.parametrize(("typed", "cleaned"), [
    ("瓶身上印个圈R", "瓶身上印个圈r标"),
    ("印TM和印R有啥区别", "印tm和印r标有啥区别"),
    ("R标是什么", "r标是什么"),  # already the mark
    ("R语言写的程序", "r语言写的程序"),  # the R language
    ("R&D费用", "r d费用"),  # not against Chinese
])
def test_a_lone_r_against_chinese_is_the_registered_mark(typed: str, cleaned: str) -> None:
    assert clean(typed) == cleaned
