"""Normalisation results kept on disk: a second start-up reads them, and reads exactly what it would compute."""
from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import jieba
import pytest
import yaml

from bot.answering.engine import Engine
from bot.answering.ports import Message
from bot.app import load_knowledge, open_db
from bot.common.clock import ManualClock
from bot.common.config import Settings
from bot.language import memo as language_memo
from bot.language.normalize import (
    _SCRIPT_SIGNS,
    _script_sign,
    character_sound,
    chinese_script,
    pinyin_key,
    to_traditional,
)

QUESTIONS = ("商标注册要多久", "商彪注册要多久", "专利质押贷款怎么办", "你好", "How long does a trademark take?")


class _CountingSegmenter:
    def __init__(self) -> None:
        self.calls = 0
        self._lcut = jieba.Tokenizer.lcut

    def __call__(self, tokenizer: jieba.Tokenizer, *args, **kwargs) -> list[str]:
        self.calls += 1
        return self._lcut(tokenizer, *args, **kwargs)


def _start(kb_dir: Path, settings: Settings, clock: ManualClock) -> Engine:
    """What a process does at start-up: the checked knowledge base, then the Engine (its Matcher)."""
    return Engine(load_knowledge(kb_dir), settings, open_db(":memory:"), clock)


def _replies(engine: Engine) -> list[tuple]:
    replies = [engine.handle(Message("test", f"u{n}", q)) for n, q in enumerate(QUESTIONS)]
    return [(r.decision, r.intent, r.score, r.text) for r in replies]


@pytest.fixture
def memo_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "memo"
    monkeypatch.setenv(language_memo.CACHE_ENV, str(folder))
    return folder


def test_a_second_start_up_segments_no_phrasing_and_answers_alike(
    kb_dir: Path, settings: Settings, clock: ManualClock, memo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _start(kb_dir, settings, clock)
    assert list(memo_dir.glob("normalizer-*.json"))
    counter = _CountingSegmenter()
    monkeypatch.setattr(jieba.Tokenizer, "lcut", counter)
    second = _start(kb_dir, settings, clock)
    assert counter.calls == 0
    monkeypatch.undo()
    phrasings = [q for e in first.kb.entries.values() for q in e.questions]
    assert [second.kb.normalizer.analyze_known(q) for q in phrasings] == [
        first.kb.normalizer.analyze_known(q) for q in phrasings
    ]
    assert second.kb.normalizer.vocabulary == first.kb.normalizer.vocabulary
    assert _replies(second) == _replies(first)


def test_answers_with_the_memo_are_those_without(
    kb_dir: Path, settings: Settings, clock: ManualClock, memo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _start(kb_dir, settings, clock)
    from_memo = _replies(_start(kb_dir, settings, clock))
    monkeypatch.setenv(language_memo.CACHE_ENV, language_memo.OFF)
    assert _replies(_start(kb_dir, settings, clock)) == from_memo


def test_a_changed_phrasing_makes_a_new_memo(kb_dir: Path, settings: Settings, clock: ManualClock, memo_dir: Path) -> None:
    _start(kb_dir, settings, clock)
    faq = kb_dir / "faq" / "open_license.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("- 什么是专利开放许可", "- 专利开放许可是什么制度"), "utf-8")
    engine = _start(kb_dir, settings, clock)
    assert len(list(memo_dir.glob("normalizer-*.json"))) == 2
    assert _replies(engine)


@pytest.mark.parametrize("damage", ["", "{not json", '{"vocabulary": 3}', "[]"])
def test_a_damaged_memo_is_computed_again(
    kb_dir: Path, settings: Settings, clock: ManualClock, memo_dir: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    expected = _replies(_start(kb_dir, settings, clock))
    for memo in memo_dir.glob("normalizer-*.json"):
        memo.write_text(damage, encoding="utf-8")
    assert _replies(_start(kb_dir, settings, clock)) == expected


def test_an_unwritable_memo_directory_only_costs_time(
    kb_dir: Path, settings: Settings, clock: ManualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv(language_memo.CACHE_ENV, str(blocker / "memo"))
    assert _replies(_start(kb_dir, settings, clock))


def test_the_stored_character_sounds_are_pypinyins(memo_dir: Path) -> None:
    characters = [chr(c) for c in range(0x3400, 0xA000, 7)] + list("商彪标注册重行乐")
    assert [character_sound(c) for c in characters] == [pinyin_key(c) for c in characters]


def test_the_stored_script_of_each_character_is_zhconvs(memo_dir: Path) -> None:
    characters = [chr(c) for c in range(0x3400, 0xA000, 7)] + list("商標标註注冊册")
    assert [int(_SCRIPT_SIGNS.of(c)) for c in characters] == [_script_sign(c) for c in characters]
    assert [chinese_script(t) for t in ("商标注册", to_traditional("商标注册"), "你好")] == ["zh", "zh-hant", None]


def test_the_memo_directory_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(language_memo.CACHE_ENV, "OFF")
    assert language_memo.cache_dir() is None
    monkeypatch.delenv(language_memo.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert language_memo.cache_dir() == tmp_path / "zhichuang"


def test_only_the_latest_memos_are_kept(memo_dir: Path) -> None:
    for number in range(language_memo.KEPT + 3):
        language_memo.write(f"normalizer-{number}", {"n": number})
        os.utime(memo_dir / f"normalizer-{number}.json", (number, number))
    language_memo.write("pinyin-x", {})
    kept = sorted(p.name for p in memo_dir.glob("normalizer-*.json"))
    assert len(kept) == language_memo.KEPT and "normalizer-0.json" not in kept
    assert language_memo.read(f"normalizer-{language_memo.KEPT + 2}") == {"n": language_memo.KEPT + 2}
    assert (memo_dir / "pinyin-x.json").exists()


def _yaml_parser(calls: list[str]):
    def parse(text: str):
        calls.append(text)
        return yaml.safe_load(text)
    return parse


def test_a_parsed_document_is_read_back_as_parsed(memo_dir: Path) -> None:
    text = "- id: tm_fee\n  reviewed: 2026-03-01\n  at: 2026-03-01 08:30:00\n  fee: 270\n  rate: 0.5\n  sample: true\n"
    calls: list[str] = []
    first = language_memo.parsed_document(text, _yaml_parser(calls))
    again = language_memo.parsed_document(text, _yaml_parser(calls))
    assert len(calls) == 1 and again == first == yaml.safe_load(text)
    assert [type(v) for v in again[0].values()] == [str, date, datetime, int, float, bool]


def test_a_document_json_cannot_give_back_is_parsed_every_time(memo_dir: Path) -> None:
    text = "1: one\n2026-01-01: new year\n"
    calls: list[str] = []
    assert language_memo.parsed_document(text, _yaml_parser(calls)) == {1: "one", date(2026, 1, 1): "new year"}
    assert language_memo.parsed_document(text, _yaml_parser(calls)) == yaml.safe_load(text)
    assert len(calls) == 2
