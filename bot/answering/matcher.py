"""Scoring a question against every knowledge phrasing: rapidfuzz character similarity plus weighted words."""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from itertools import chain
from typing import Iterable

import numpy as np
from rapidfuzz import fuzz, process

from bot.common.config import MatchingSettings
from bot.common.vocab import SMALLTALK
from bot.knowledge.base import Entry, KnowledgeBase
from bot.language.normalize import Analysis, Normalizer, has_cjk

NEGATIVE_PENALTY = 30.0
CONTEXT_BONUS = 4.0
SMALLTALK_MIN = 80


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float


@dataclass(frozen=True)
class _AskedWords:
    """A question's words as every candidate's adjustment reads them (worked out once per ranking)."""

    tokens: frozenset[str]
    aspects: frozenset[str]
    subjects: frozenset[str]
    preferred: set[str]


@dataclass(frozen=True)
class _Phrasing:
    entry: int
    text: str
    tokens: frozenset[str]
    weight: float


class Matcher:
    """Ranks entries for a normalised question; all weights and indexes are built once."""

    def __init__(self, kb: KnowledgeBase, settings: MatchingSettings) -> None:
        self.settings = settings
        self.normalizer: Normalizer = kb.normalizer
        self.entries: list[Entry] = list(kb.entries.values())
        lexicon = kb.lexicon
        analysed = [
            (i, analysis, self.normalizer.search_tokens(analysis))
            for i, e in enumerate(self.entries) for analysis in map(self.normalizer.analyze_known, e.questions)
        ]
        self._entry_words = self._entry_vocabularies(analysed)
        self._idf = self._inverse_document_frequency()
        self._oov_weight = settings.unknown_word_weight
        self._index = {e.id: i for i, e in enumerate(self.entries)}
        self._entries_by_token = _holders(self._entry_words)
        self._answer_words = [self.normalizer.answer_words(f"{e.title} {e.answer}") for e in self.entries]
        self._answer_entries_by_token = _holders(self._answer_words)
        self._phrasings = [self._phrasing(i, a, tokens) for i, a, tokens in analysed]
        self._phrasing_weights = np.array([p.weight or 1.0 for p in self._phrasings])
        self._entry_starts = self._runs_start(self._phrasings, len(self.entries))
        self._texts = [p.text or "" for p in self._phrasings]
        self._by_token = _holders([p.tokens for p in self._phrasings])
        self._keywords = [
            frozenset(self.normalizer.analyze_known(k).text for k in e.keywords) for e in self.entries
        ]
        self._negatives = [
            [self.normalizer.analyze_known(n).text for n in e.negatives] for e in self.entries
        ]
        self.domain_words = set(lexicon.domain_words) - lexicon.aspects
        self._smalltalk = [
            (i, self.normalizer.analyze_known(q).cleaned)
            for i, e in enumerate(self.entries)
            if e.topic == SMALLTALK
            for q in e.questions
        ]
        self.normalizer.keep_on_disk()

    @staticmethod
    def _runs_start(phrasings: list[_Phrasing], entries: int) -> np.ndarray:
        """Phrasings are grouped by entry, in entry order: where each entry's run starts (one pass)."""
        starts: dict[int, int] = {}
        for index, phrasing in enumerate(phrasings):
            starts.setdefault(phrasing.entry, index)
        return np.array([starts[entry] for entry in range(entries)])

    def _entry_vocabularies(self, analysed: list[tuple[int, Analysis, frozenset[str]]]) -> list[frozenset[str]]:
        words: list[set[str]] = [set() for _ in self.entries]
        for index, _, tokens in analysed:
            words[index] |= tokens
        return [frozenset(w) for w in words]

    def _inverse_document_frequency(self) -> dict[str, float]:
        frequency: defaultdict[str, int] = defaultdict(int)
        for words in self._entry_words:
            for word in words:
                frequency[word] += 1
        total = len(self.entries) or 1
        return {w: math.log(1 + total / n) for w, n in frequency.items()}

    def _phrasing(self, entry: int, analysis: Analysis, tokens: frozenset[str]) -> _Phrasing:
        return _Phrasing(entry, analysis.text, tokens, sum(self.weight(t) for t in tokens))

    def weight(self, token: str) -> float:
        """How much a word says: rare in the knowledge base weighs more; unknown weighs most."""
        return self._idf.get(token, self._oov_weight)

    def phrases(self, entry: Entry, token: str) -> bool:
        """Whether one of the entry's phrasings uses the word."""
        return token in self._entry_words[self._index[entry.id]]

    def has_domain_word(self, analysis: Analysis) -> bool:
        return any(t in self.domain_words for t in self.normalizer.search_tokens(analysis))

    def off_topic_words(self, analysis: Analysis, entry: Entry) -> list[str]:
        """Words from other domains (车辆, 印刷) that the entry itself never uses."""
        index = self._index[entry.id]
        return [
            t for t in analysis.tokens
            if t in self.normalizer.lexicon.off_topic_words and t not in self._entry_words[index]
        ]

    def rank(
        self, analysis: Analysis, prefer: Iterable[str] = (), limit: int = 5
    ) -> list[Candidate]:
        """Entries by descending score (0–100), best phrasing per entry; `prefer` ids get a bonus."""
        if not analysis.text:
            return []
        query_tokens = self.normalizer.search_tokens(analysis)
        weights = {t: self.weight(t) for t in query_tokens}
        query_weight = sum(weights.values()) or 1.0
        st = self.settings
        scores = st.char_weight * process.cdist([analysis.text], self._texts, scorer=fuzz.ratio)[0] / 100
        shared = _summed(weights, self._by_token, len(self._texts))
        if shared is not None:
            lengths = self._phrasing_weights
            scores += st.phrasing_weight * shared / lengths
            scores += st.dice_weight * 2 * shared / (query_weight + lengths)
        best = np.maximum.reduceat(scores, self._entry_starts)
        explained = _summed(weights, self._entries_by_token, len(self.entries))
        answered = _summed(weights, self._answer_entries_by_token, len(self.entries))
        total = st.char_weight + st.phrasing_weight + st.dice_weight + st.entry_weight + st.answer_weight
        asked = _AskedWords(query_tokens, query_tokens & self.normalizer.lexicon.aspects,
                            query_tokens & self.normalizer.lexicon.subjects, set(prefer))
        scored = {}
        for index in np.argsort(-best)[: limit * 4].tolist():
            value = best[index] + (
                st.entry_weight * _at(explained, index) + st.answer_weight * _at(answered, index)
            ) / query_weight
            scored[index] = self._adjust(index, 100 * value / total, analysis, asked)
        ranked = sorted(scored.items(), key=lambda item: item[1], reverse=True)[:limit]
        return [Candidate(self.entries[i], round(float(max(0.0, min(100.0, v))), 1)) for i, v in ranked]

    def mentions(self, entry: Entry, tokens: Iterable[str]) -> bool:
        """Whether the entry's phrasings, title or answer use every one of the words (or its parts)."""
        index = self._index[entry.id]
        known = self._entry_words[index] | self._answer_words[index]
        return all(
            t in known or any(p in known for p in self.normalizer.search_tokens(Analysis(t, (t,))) - {t})
            for t in tokens
        )

    def coverage(self, analysis: Analysis, entry: Entry) -> float:
        """Share of the question's subject words (aspects like 费用 left out) the entry explains (0–1)."""
        tokens = self.normalizer.search_tokens(analysis) - self.normalizer.lexicon.aspects
        total = sum(self.weight(t) for t in tokens)
        words = self._entry_words[self._index[entry.id]]
        return sum(self.weight(t) for t in tokens if t in words) / total if total else 0.0

    def _adjust(self, index: int, score: float, analysis: Analysis, asked: _AskedWords) -> float:
        entry = self.entries[index]
        words = self._entry_words[index]
        if self._keywords[index] & asked.tokens:
            score += self.settings.keyword_bonus
        score -= self.settings.aspect_penalty * len(asked.aspects - words)
        score -= self.settings.subject_penalty * len(asked.subjects - words)
        if entry.id in asked.preferred or entry.topic in asked.preferred:
            score += CONTEXT_BONUS
        negatives = self._negatives[index]
        if negatives and process.extractOne(analysis.text, negatives, scorer=fuzz.ratio, score_cutoff=90):
            score -= NEGATIVE_PENALTY
        return score

    def smalltalk(self, analysis: Analysis) -> Candidate | None:
        """A greeting, thanks or help request, matched on the text before fillers were removed."""
        said = analysis.cleaned
        best: tuple[float, int] = (0.0, -1)
        for index, phrasing in self._smalltalk:
            if has_cjk(phrasing):
                score = fuzz.partial_ratio(phrasing, said) if len(phrasing) >= 2 else fuzz.ratio(phrasing, said)
            else:
                score = fuzz.token_set_ratio(phrasing, said)
            best = max(best, (score, index))
        if best[0] < SMALLTALK_MIN:
            return None
        return Candidate(self.entries[best[1]], round(float(best[0]), 1))


def _holders(vocabularies: list[frozenset[str]]) -> dict[str, np.ndarray]:
    """Per word: the positions of the vocabularies that hold it (each position once, ascending), as
    slices of one array."""
    holders: defaultdict[str, list[int]] = defaultdict(list)
    for index, words in enumerate(vocabularies):
        for word in words:
            holders[word].append(index)
    positions = np.fromiter(chain.from_iterable(holders.values()), dtype=np.intp)
    ends = np.cumsum([len(indexes) for indexes in holders.values()], dtype=np.intp).tolist()
    return {word: positions[end - len(indexes):end] for (word, indexes), end in zip(holders.items(), ends)}


def _summed(weights: dict[str, float], holders: dict[str, np.ndarray], size: int) -> np.ndarray | None:
    """Per position: the weight of the question's words it holds, added in the question's word order
    (None when no position holds any)."""
    found = [(holders[token], weight) for token, weight in weights.items() if token in holders]
    if not found:
        return None
    summed = np.zeros(size)
    for indexes, weight in found:
        summed[indexes] += weight
    return summed


def _at(summed: np.ndarray | None, index: int) -> float:
    return float(summed[index]) if summed is not None else 0.0
