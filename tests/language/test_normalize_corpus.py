"""Normalisation never changes meaning: a corpus of ordinary Chinese passes typo repair untouched
(tests/data/ordinary_sentences.yaml), while real typos are still mended. Run on the shipped knowledge
base, whose vocabulary is what repair rewrites to."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.app import load_knowledge
from bot.language.normalize import Normalizer

ROOT = Path(__file__).resolve().parents[2]
CORPUS = yaml.safe_load((ROOT / "tests" / "data" / "ordinary_sentences.yaml").read_text(encoding="utf-8"))
KINDS = ("ordinary", "negation", "he", "qilai", "zi_suffix", "zi_capital", "near_homophones")
SENTENCES = [pytest.param(s, id=f"{kind}{n}") for kind in KINDS for n, s in enumerate(CORPUS[kind], start=1)]


@pytest.fixture(scope="module")
def normalizer() -> Normalizer:
    return load_knowledge(ROOT / "knowledge").normalizer


def test_corpus_has_the_required_size() -> None:
    assert len(CORPUS["ordinary"]) >= 200
    assert all(len(CORPUS[kind]) >= 20 for kind in KINDS)


@pytest.mark.parametrize("sentence", SENTENCES)
def test_no_repair_fires_on_ordinary_chinese(normalizer: Normalizer, sentence: str) -> None:
    assert normalizer.analyze(sentence).repairs == (), sentence


@pytest.mark.parametrize("case", CORPUS["reported"] + CORPUS["whole_words"])
def test_reported_cases_keep_their_meaning(normalizer: Normalizer, case: dict) -> None:
    text = normalizer.analyze(case["text"]).text
    assert all(word in text for word in case.get("keeps", [])), (case["text"], text)
    assert not any(word in text for word in case.get("never", [])), (case["text"], text)


@pytest.mark.parametrize(("typed", "word"), CORPUS["typos"], ids=[f"typo{n}" for n in range(len(CORPUS["typos"]))])
def test_typos_are_still_repaired(normalizer: Normalizer, typed: str, word: str) -> None:
    analysis = normalizer.analyze(typed)
    assert analysis.repairs and word in analysis.text, analysis
