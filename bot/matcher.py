"""Scoring a question against every knowledge phrasing: rapidfuzz character similarity plus weighted words."""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from rapidfuzz import fuzz, process

from bot.config import MatchingSettings
from bot.knowledge import Entry, KnowledgeBase
from bot.normalize import Analysis, Normalizer
from bot.vocab import SMALLTALK

CHAR_WEIGHT = 0.4
WORD_WEIGHT = 0.6
KEYWORD_BONUS = 6.0
NEGATIVE_PENALTY = 30.0
CONTEXT_BONUS = 4.0


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float


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
            (i, self.normalizer.analyze(q)) for i, e in enumerate(self.entries) for q in e.questions
        ]
        self._entry_words = self._entry_vocabularies(analysed)
        self._idf = self._inverse_document_frequency()
        self._oov_weight = max(self._idf.values(), default=1.0)
        self._phrasings = [self._phrasing(i, a) for i, a in analysed]
        self._texts = [p.text or "" for p in self._phrasings]
        self._by_token: defaultdict[str, list[int]] = defaultdict(list)
        for index, phrasing in enumerate(self._phrasings):
            for token in phrasing.tokens:
                self._by_token[token].append(index)
        self._keywords = [
            frozenset(self.normalizer.analyze(k).text for k in e.keywords) for e in self.entries
        ]
        self._negatives = [
            [self.normalizer.analyze(n).text for n in e.negatives] for e in self.entries
        ]
        self.domain_words = (
            set(lexicon.domain_words) | set(lexicon.synonyms.values()) | set().union(*self._keywords)
        ) - lexicon.aspects
        self._smalltalk = [
            (i, self.normalizer.analyze(q).cleaned)
            for i, e in enumerate(self.entries)
            if e.topic == SMALLTALK
            for q in e.questions
        ]

    def _entry_vocabularies(self, analysed: list[tuple[int, Analysis]]) -> list[frozenset[str]]:
        words: list[set[str]] = [set() for _ in self.entries]
        for index, analysis in analysed:
            words[index] |= self.normalizer.search_tokens(analysis)
        return [frozenset(w) for w in words]

    def _inverse_document_frequency(self) -> dict[str, float]:
        frequency: defaultdict[str, int] = defaultdict(int)
        for words in self._entry_words:
            for word in words:
                frequency[word] += 1
        total = len(self.entries) or 1
        return {w: math.log(1 + total / n) for w, n in frequency.items()}

    def _phrasing(self, entry: int, analysis: Analysis) -> _Phrasing:
        tokens = self.normalizer.search_tokens(analysis)
        return _Phrasing(entry, analysis.text, tokens, sum(self.weight(t) for t in tokens))

    def weight(self, token: str) -> float:
        """How much a word says: rare in the knowledge base weighs more; unknown weighs most."""
        return self._idf.get(token, self._oov_weight)

    def has_domain_word(self, analysis: Analysis) -> bool:
        return any(t in self.domain_words for t in self.normalizer.search_tokens(analysis))

    def off_topic_words(self, analysis: Analysis, entry: Entry) -> list[str]:
        """Words from other domains (车辆, 印刷) that the entry itself never uses."""
        index = self.entries.index(entry)
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
        shared = self._shared_weights(query_tokens)
        query_weight = sum(self.weight(t) for t in query_tokens) or 1.0
        chars = process.cdist([analysis.text], self._texts, scorer=fuzz.ratio)[0]
        best: dict[int, float] = {}
        for index, phrasing in enumerate(self._phrasings):
            overlap = shared.get(index, 0.0)
            words = 200.0 * overlap / (query_weight + phrasing.weight) if overlap else 0.0
            score = CHAR_WEIGHT * float(chars[index]) + WORD_WEIGHT * words
            if score > best.get(phrasing.entry, -1.0):
                best[phrasing.entry] = score
        preferred = set(prefer)
        for index in list(best):
            best[index] = self._adjust(index, best[index], analysis, query_tokens, preferred)
        ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)[:limit]
        return [Candidate(self.entries[i], round(max(0.0, min(100.0, s)), 1)) for i, s in ranked]

    def _shared_weights(self, query_tokens: frozenset[str]) -> dict[int, float]:
        shared: defaultdict[int, float] = defaultdict(float)
        for token in query_tokens:
            weight = self.weight(token)
            for index in self._by_token.get(token, ()):
                shared[index] += weight
        return shared

    def _adjust(
        self, index: int, score: float, analysis: Analysis, tokens: frozenset[str], preferred: set[str]
    ) -> float:
        entry = self.entries[index]
        if self._keywords[index] & tokens:
            score += KEYWORD_BONUS
        if entry.id in preferred or entry.topic in preferred:
            score += CONTEXT_BONUS
        negatives = self._negatives[index]
        if negatives and max(fuzz.ratio(analysis.text, n) for n in negatives) >= 90:
            score -= NEGATIVE_PENALTY
        return score

    def smalltalk(self, analysis: Analysis) -> Candidate | None:
        """A greeting, thanks or help request, matched on the text before fillers were removed."""
        if not self._smalltalk or not analysis.cleaned:
            return None
        texts = [text for _, text in self._smalltalk]
        match = process.extractOne(analysis.cleaned, texts, scorer=fuzz.ratio)
        if match is None or match[1] < 80:
            return None
        entry = self.entries[self._smalltalk[match[2]][0]]
        return Candidate(entry, round(float(match[1]), 1))
