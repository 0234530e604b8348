"""Whether a follow-up that names a new subject (那专利呢, 商标的呢) still fits the topic just answered.
It fits when the topic's own phrasings use that subject often (质押 is asked of 专利 and 商标 alike;
商标 phrasings almost never ask about 专利): then the new subject takes the old one's place in the
last question; otherwise the follow-up is a new question that keeps only what was asked (费用, 多久)."""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from bot.answering.matcher import Matcher
from bot.knowledge.base import Entry
from bot.language.normalize import Analysis, Normalizer

FIT_SHARE = 0.2  # the share of a topic's entries whose phrasings use a subject for it to fit the topic


class SubjectFit:
    """Per topic, the subjects (商标, 专利, 质押 …) its phrasings use often enough for a follow-up to stay."""

    def __init__(self, matcher: Matcher, normalizer: Normalizer, subjects: Iterable[str]) -> None:
        self.normalizer = normalizer
        self.subjects = frozenset(subjects)
        by_topic: defaultdict[str, list[Entry]] = defaultdict(list)
        for entry in matcher.entries:
            by_topic[entry.topic].append(entry)
        self._fitting = {
            topic: frozenset(
                s for s in self.subjects
                if sum(matcher.phrases(e, s) for e in entries) >= FIT_SHARE * len(entries)
            )
            for topic, entries in by_topic.items()
        }

    def subjects_of(self, tokens: Iterable[str]) -> frozenset[str]:
        """The subjects named by the words (注册商标 names 商标)."""
        return frozenset(self.normalizer.search_tokens(Analysis("", tuple(tokens)))) & self.subjects

    def new_subjects(self, said: Analysis, before: Iterable[str]) -> frozenset[str]:
        """Subjects the follow-up names that the last question did not."""
        return self.subjects_of(said.tokens) - self.subjects_of(before)

    def fits(self, topic: str, subjects: Iterable[str]) -> bool:
        return all(s in self._fitting.get(topic, ()) for s in subjects)

    def without_other_subjects(self, before: Iterable[str], anchor: str) -> list[str]:
        """The last question's words, less those naming a subject other than the topic's own
        (专利 of 专利质押登记 goes when 商标的呢 follows; 质押登记 stays)."""
        return [t for t in before if not (self.subjects_of([t]) - {anchor})]
