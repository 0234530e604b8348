"""Answers over time: every answer rendered on both sides of every switch date (and today), zh and en,
checked for the rules a change of law breaks; `review_by` per entry; `kb diff --on` for one switch."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Iterable, Iterator, Mapping

from bot.common.schedule import add_months
from bot.knowledge.base import Entry, KnowledgeBase, Problem
from bot.knowledge.facts import FACT_REF, Fact, FactBook, Law

FACTS_FILE = "knowledge/facts.yaml"
REVIEW_EVERY = 12  # months between reviews of an entry
LANGS = ("zh", "en")

_ZH_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_ZH_ARTICLE = re.compile(r"第([零〇一二两三四五六七八九十百\d]+)条")
_EN_ARTICLE = re.compile(r"\bArt(?:icle)?s?\.?\s*(\d+)", re.IGNORECASE)
_NOW_WORDS = re.compile(r"现行|目前适用|\bcurrent(?:ly)?\b|\bnow in force\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[。；！？\n]|(?<=[.;!?])\s")
_ZH_TITLE = re.compile(r"《([^》]+)》")
_EN_TITLE = re.compile(r"(?:[A-Z][a-z]+ )+(?:Law|Regulations|Measures|Provisions|Rules)\b")
_LIST_MARK = re.compile(r"(?:^|(?<=[：:；;。]\s)|(?<=[：:；;。]))\(?\d[)）]|[①-⑳]")  # 1) 2）(3) ④
_FUNCTION_WORDS = {"from", "of", "in", "for", "per", "to", "the", "a", "an", "each", "and", "or", "within", "after",
                   "before", "by", "at", "on", "is", "are"}
MIN_COMPARED_FIGURE = 13  # smaller numbers are list items, months and days, written differently in each language
_ZH_FIGURE = re.compile(r"(\d+(?:\.\d+)?)\s*(万亿|亿|万)?|第([零〇一二两三四五六七八九十百]+)[条款类版批]")
_EN_FIGURE = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(trillion|billion|million)?", re.IGNORECASE)
_SCALE = {"万": 10**4, "亿": 10**8, "万亿": 10**12, "million": 10**6, "billion": 10**9, "trillion": 10**12}


@dataclass(frozen=True)
class Change:
    """An answer whose text differs on the two sides of a day."""

    entry: Entry
    lang: str
    before: str
    after: str


def render_entry(book: FactBook, entry: Entry, lang: str, day: date) -> str:
    """The answer as the bot says it on `day` when the question gives no date."""
    return book.render(entry.answer_en if lang == "en" else entry.answer, lang, day, None, entry.cites)


def with_cited_laws(entry: Entry, laws: Mapping[str, Law]) -> Entry:
    """An entry that quotes article numbers without `cites` quotes those in force when it was reviewed."""
    if entry.cites:
        return entry
    families = {family for text in (entry.answer, entry.answer_en) for family, _ in _articles(text, laws.values())}
    cited = tuple(law.id for law in laws.values()
                  if law.in_force(entry.reviewed) and families & set(law.called) and law.valid_until)
    return replace(entry, cites=cited) if cited else entry


def check_days(book: FactBook, today: date) -> list[date]:
    """Today and both sides of every switch date."""
    days = {today}
    for switch in book.switch_dates():
        days |= {switch - timedelta(days=1), switch}
    return sorted(days)


def changes_on(kb: KnowledgeBase, day: date) -> list[Change]:
    """Every answer whose text on `day` differs from the day before."""
    return [
        Change(entry, lang, before, after)
        for entry in kb.entries.values()
        for lang in LANGS
        if (before := render_entry(kb.facts, entry, lang, day - timedelta(days=1)))
        != (after := render_entry(kb.facts, entry, lang, day))
    ]


def diff_report(kb: KnowledgeBase, day: date) -> str:
    """Markdown for the bureau: every answer whose text changes on `day`, before and after."""
    changes = changes_on(kb, day)
    entries = list(dict.fromkeys(change.entry.id for change in changes))
    lines = [
        f"# Answers that change on {day.isoformat()}",
        "",
        f"`python run_bot.py kb diff --on {day.isoformat()}`: {len(entries)} entries, {len(changes)} answers "
        f"(zh and en) read differently on {(day - timedelta(days=1)).isoformat()} and {day.isoformat()} "
        "when the question gives no date.",
    ]
    for change in changes:
        lines += ["", f"## {change.entry.id} ({change.lang}) · {change.entry.title_in(change.lang)}", "",
                  "Before:", "", *_quoted(change.before), "", "After:", "", *_quoted(change.after)]
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> list[str]:
    return [f"> {line}" if line else ">" for line in text.splitlines()]


def review_by(entry: Entry, book: FactBook) -> date:
    """The earlier of `reviewed` + 12 months and the next switch of anything the entry quotes."""
    yearly = add_months(entry.reviewed, REVIEW_EVERY)
    switches = {d for name in FACT_REF.findall(entry.answer + entry.answer_en) if name in book.facts
                for d in book.facts[name].switch_dates()}
    switches |= {d for law_id in entry.cites if law_id in book.laws for d in book.laws[law_id].switch_dates()}
    return min([yearly, *(d for d in switches if d > entry.reviewed)])


def check_over_time(kb: KnowledgeBase, today: date) -> list[Problem]:
    """The rules of answers over time, each problem once (with the first day it shows)."""
    book = kb.facts
    problems: dict[tuple[str, str, str], Problem] = {}
    for problem in _fact_problems(book):
        problems.setdefault((problem.entry, problem.field, problem.message), problem)
    days = check_days(book, today)
    for entry in kb.entries.values():
        for problem in _template_problems(entry, book):
            problems.setdefault((entry.id, problem.field, problem.message), problem)
        quoted = _quoted_articles(entry, book)
        for day in days:
            for problem in _day_problems(entry, book, day, quoted):
                key = (entry.id, problem.field, problem.message.split(" on ")[0])
                problems.setdefault(key, problem)
        due = review_by(entry, book)
        if today >= due:
            problems.setdefault((entry.id, "review_by", ""), Problem(
                entry.file, entry.id, "review_by",
                f"review was due {due.isoformat()}: check the answer and set `reviewed`", "warning"))
    return list(problems.values())


# ---- rules ----------------------------------------------------------------------------------------


def _fact_problems(book: FactBook) -> Iterator[Problem]:
    """A fact citing an unknown law, or whose source cites a law version that ends, without a valid_until."""
    for fact in book.facts.values():
        for version in fact.versions:
            if version.law and version.law not in book.laws:
                yield Problem(FACTS_FILE, fact.name, "law", f"unknown law '{version.law}' (knowledge/laws.yaml)")
            for law in book.laws.values():
                if law.valid_until and version.valid_until is None and _names(version.source, law):
                    yield Problem(FACTS_FILE, fact.name, "valid_until",
                                  f"its source cites {law.name} (valid until {law.valid_until.isoformat()}): "
                                  f"add `law: {law.id}` or a valid_until")


def _template_problems(entry: Entry, book: FactBook) -> Iterator[Problem]:
    for law_id in entry.cites:
        if law_id not in book.laws:
            yield Problem(entry.file, entry.id, "cites", f"unknown law '{law_id}' (knowledge/laws.yaml)")
    for lang, field in (("zh", "answer"), ("en", "answer_en")):
        yield from _duplicated_nouns(entry, field, entry.answer_en if lang == "en" else entry.answer, book, lang)


def _quoted_articles(entry: Entry, book: FactBook) -> dict[str, list[tuple[int, Fact, Law]]]:
    """Per answer field: each versioned article the template quotes (number, its fact, the law version)."""
    return {
        field: [(number, fact, law)
                for family, number in _articles(entry.answer_en if field == "answer_en" else entry.answer,
                                                book.laws.values())
                for fact, law in _versioned_articles(book, family, number)]
        for field in ("answer", "answer_en")
    }


def _day_problems(
    entry: Entry, book: FactBook, day: date, quoted: dict[str, list[tuple[int, Fact, Law]]]
) -> Iterator[Problem]:
    rendered = {lang: render_entry(book, entry, lang, day) for lang in LANGS}
    for lang, field in (("zh", "answer"), ("en", "answer_en")):
        for number, fact, law in quoted[field]:
            if law.ended(day):
                yield Problem(entry.file, entry.id, field,
                              f"article {number} of {law.name} used outside its validity on {day.isoformat()}: "
                              f"quote {{{fact.name}}}")
        for sentence in _SENTENCE_END.split(rendered[lang]):
            ended = [law for law in book.laws.values() if law.ended(day) and _names(sentence, law)]
            if ended and _NOW_WORDS.search(sentence):
                yield Problem(entry.file, entry.id, field,
                              f"calls {ended[0].name} current on {day.isoformat()}: '{sentence.strip()[:60]}'")
    zh, en = _figures(rendered["zh"], "zh"), _figures(rendered["en"], "en")
    only_zh, only_en = zh - en, en - zh
    if only_zh or only_en:
        yield Problem(entry.file, entry.id, "answer_en",
                      f"figures differ between zh and en on {day.isoformat()}: "
                      f"zh only {sorted(only_zh)}, en only {sorted(only_en)}")


def _duplicated_nouns(entry: Entry, field: str, template: str, book: FactBook, lang: str) -> Iterator[Problem]:
    """45 classes Nice classes / 10件件: the unit repeated by the words after the fact."""
    for match in FACT_REF.finditer(template):
        fact = book.facts.get(match.group(1))
        unit = _unit(fact, lang) if fact else ""
        if not fact or not unit:
            continue
        after = template[match.end():]
        if lang == "zh":
            repeated = after.startswith(unit)
        else:
            head = _singular(unit.split()[-1])
            repeated = head.isalpha() and head in {_singular(w) for w in _words_after(after)}
        if repeated:
            yield Problem(entry.file, entry.id, field,
                          f"duplicated noun around the unit of {{{fact.name}}}: '{unit}' then '{after[:20].strip()}'")


# ---- helpers --------------------------------------------------------------------------------------


def _words_after(text: str, limit: int = 3) -> list[str]:
    """The words right after a fact, up to punctuation or a function word (10 years from the year …)."""
    words = []
    for word in re.split(r"[^A-Za-z\s-]", text, maxsplit=1)[0].split()[:limit]:
        if word.lower() in _FUNCTION_WORDS:
            break
        words.append(word)
    return words


def _names(text: str, law: Law) -> bool:
    return any(alias in text for alias in law.cited_as)


def _articles(text: str, laws: Iterable[Law]) -> Iterator[tuple[str, int]]:
    """(law name, number) for every article quoted after that law's title: 《商标法》第33条 → (商标法, 33);
    an article after another title (《商标法实施条例》, Implementing Regulations) is not the law's."""
    names = {name for law in laws for name in law.called}
    text = FACT_REF.sub(" ", text)
    for pattern, titles in ((_ZH_ARTICLE, _ZH_TITLE), (_EN_ARTICLE, _EN_TITLE)):
        for match in pattern.finditer(text):
            found = list(titles.finditer(text, 0, match.start()))
            title = (found[-1].group(1) if titles is _ZH_TITLE else found[-1].group(0)) if found else ""
            family = next((name for name in names if title == name or title.endswith(" " + name)), "")
            if family:
                yield family, _number(match.group(1))


def _versioned_articles(book: FactBook, family: str, number: int) -> Iterator[tuple[Fact, Law]]:
    """Article facts with several versions in which `number` is the article of one law version."""
    for fact in book.facts.values():
        if not fact.article or len(fact.versions) < 2:
            continue
        for version in fact.versions:
            law = book.laws.get(version.law)
            if law and family in law.called and _number(str(version.value).strip("第条")) == number:
                yield fact, law


def _number(text: str) -> int:
    """33 / 三十三 / 一百零二 → int."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for char in text:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _ZH_DIGITS.get(char, 0)
    return total + current


@lru_cache(maxsize=4096)
def _figures(text: str, lang: str) -> frozenset[float]:
    """The numbers a rendered answer states (10万 = 100,000; 第三十三条 = 33), dates split into parts;
    remembered (an answer mostly reads the same on every day checked)."""
    text = re.sub(r"(\d{4})-(\d{2})-(\d{2})", lambda m: f"{m[1]} {int(m[2])} {int(m[3])}", text)
    text = _LIST_MARK.sub(" ", text).replace("每万", "每10000")
    figures: set[float] = set()
    if lang == "zh":
        for number, scale, article in _ZH_FIGURE.findall(text):
            figures.add(float(_number(article)) if article else float(number) * _SCALE.get(scale, 1))
    else:
        for number, scale in _EN_FIGURE.findall(text):
            figures.add(float(number.replace(",", "")) * _SCALE.get(scale.lower(), 1))
    return frozenset(f for f in figures if f >= MIN_COMPARED_FIGURE)


def _unit(fact: Fact, lang: str) -> str:
    units = {(v.unit_en or v.unit) if lang == "en" else v.unit for v in fact.versions}
    return next(iter(units)) if len(units) == 1 else ""


def _singular(word: str) -> str:
    word = word.lower()
    return word[:-2] if word.endswith("ses") else word[:-1] if word.endswith("s") else word
