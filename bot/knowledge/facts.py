"""Named facts (fees, time limits, percentages, article numbers) quoted by answers as {fact.name}.

A fact has one or more versions, each valid for a span of dates (its own, or that of the law it cites).
Which date decides is the fact's `applies_by`: the day the bot answers (`today`), or the date of the
filing, publication, conduct or decision the question is about (read by bot/language/question_dates.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Mapping

from bot.language.question_dates import DateSpan

FACT_REF = re.compile(r"\{([a-z0-9_]+(?:\.[a-z0-9_]+)+)\}")
TODAY = "today"
APPLIES_BY = (TODAY, "filing", "publication", "conduct", "decision")
# How a condition on the deciding date reads: the zh date noun, the en condition ("申请日" / "if filed").
_EVENT_WORDS = {
    TODAY: ("", ""),
    "filing": ("申请日", "if filed"),
    "publication": ("公告日", "if published"),
    "conduct": ("行为发生日", "for conduct"),
    "decision": ("决定日", "for decisions"),
}
UNCONFIRMED_NOTE = {
    "zh": "注：本答复中的数额和条号，除注明修订后的以外，依{law}（施行至{until}）；修订后的对应规定尚未确认，"
    "如需核实，请回复「转人工」。",
    "en": "Note: figures and article numbers above, unless marked as the revised law's, follow {law} (in force "
    "until {until}); the revised law's are not yet confirmed. Reply 转人工 to have our IP advisers check.",
}


def within(day: date, valid_from: date | None, valid_until: date | None) -> bool:
    """Whether `day` lies in a span of validity (open ends: no limit)."""
    return (valid_from is None or valid_from <= day) and (valid_until is None or day <= valid_until)


@dataclass(frozen=True)
class Law:
    """One version of a law, valid for a span of dates; `called` are the names an article attaches to."""

    id: str
    name: str
    name_en: str
    valid_from: date | None = None
    valid_until: date | None = None
    called: tuple[str, ...] = ()
    cited_as: tuple[str, ...] = ()

    def in_force(self, day: date) -> bool:
        return within(day, self.valid_from, self.valid_until)

    def ended(self, day: date) -> bool:
        return self.valid_until is not None and self.valid_until < day

    def switch_dates(self) -> set[date]:
        """The day it starts and the day after it ends."""
        return ({self.valid_from} if self.valid_from else set()) | (
            {self.valid_until + timedelta(days=1)} if self.valid_until else set())

    def label(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name


@dataclass(frozen=True)
class FactVersion:
    value: Any
    unit: str = ""
    unit_en: str = ""
    value_en: Any = None
    valid_from: date | None = None
    valid_until: date | None = None
    source: str = ""
    reviewed: date | None = None
    law: str = ""
    safe: bool = False  # the safe course while the transitional rule is not confirmed

    def in_force(self, day: date) -> bool:
        return within(day, self.valid_from, self.valid_until)

    def covers(self, span: DateSpan) -> bool:
        return self.in_force(span.start) and self.in_force(span.end)

    def render(self, lang: str) -> str:
        """The value with its unit: 270元 / 270 yuan."""
        if lang == "en":
            value = self.value_en if self.value_en is not None else self.value
            text = f"{value:,}" if isinstance(value, int) and value >= 10000 else _plain(value)
            unit = self.unit_en or self.unit
            return f"{text}{unit}" if unit in ("%", "") else f"{text} {unit}"
        return f"{_plain(self.value)}{self.unit}"


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class Rendered:
    """A fact as it reads on a day, and whether it leans on a law whose successor is not confirmed."""

    text: str
    ending_law: str = ""  # the law it follows, which ends (or has ended) with no confirmed successor


@dataclass(frozen=True)
class Fact:
    name: str
    versions: tuple[FactVersion, ...]
    applies_by: str = TODAY
    article: bool = False  # the value is an article number of the version's law (第三十三条 / Art. 33)

    def version_on(self, day: date) -> FactVersion | None:
        return next((v for v in self.versions if v.in_force(day)), None)

    def applicable_version(self, day: date) -> FactVersion | None:
        """The version in force, else the last one when its law ended with no confirmed successor (the
        figure under the 2019 law): what the bot quotes and computes with."""
        current = self.version_on(day)
        last = self.versions[-1]
        return current or (last if last.valid_until and last.valid_until < day else None)

    def switch_dates(self) -> set[date]:
        """Days on which a version starts or the day after one ends."""
        days = {v.valid_from for v in self.versions if v.valid_from}
        return days | {v.valid_until + timedelta(days=1) for v in self.versions if v.valid_until}

    def render(self, lang: str, day: date, when: DateSpan | None = None, laws: Mapping[str, Law] | None = None) -> str:
        return self.render_note(lang, day, when, laws or {}).text

    def render_note(self, lang: str, day: date, when: DateSpan | None, laws: Mapping[str, Law]) -> Rendered:
        """The version that decides, with the condition a reader needs when another version may apply.

        `when` is the date the question gives for the fact's `applies_by` event (None: not given)."""
        deciding = when if self.applies_by != TODAY and when else DateSpan(day, day)
        chosen = next((v for v in self.versions if v.covers(deciding)), None)
        safe = next((v for v in self.versions if v.safe), None)
        if safe and not (when and self.applies_by != TODAY and chosen is safe):
            return Rendered(self._value(self.version_on(day) or safe, lang, laws) + self._safe_note(safe, day, lang))
        if chosen is None:
            return self._without_version(lang, day, deciding, laws)
        text = self._value(chosen, lang, laws)
        if self.applies_by != TODAY and when:
            return Rendered(text + self._chosen_note(chosen, lang, laws))
        others = [v for v in self.versions if v is not chosen and (self.applies_by != TODAY or _later(v, chosen))]
        note = self._others_note(others, lang, laws, text)
        ending = chosen.law if chosen.valid_until and chosen is self.versions[-1] and not note else ""
        return Rendered(text + note, ending_law=ending)

    def _value(self, version: FactVersion, lang: str, laws: Mapping[str, Law]) -> str:
        text = version.render(lang)
        law = laws.get(version.law)
        if not (self.article and law):
            return text
        return f"{text} of {law.name_en}" if lang == "en" else f"{law.name}{text}"

    def _without_version(self, lang: str, day: date, deciding: DateSpan, laws: Mapping[str, Law]) -> Rendered:
        """No version covers the deciding date: the last one, flagged for the note that its law has ended
        with no confirmed successor; or, when the date straddles a switch, every version with its condition."""
        ended = [v for v in self.versions if v.valid_until and v.valid_until < deciding.start]
        if ended and ended[-1] is self.versions[-1]:
            return Rendered(self._value(ended[-1], lang, laws), ending_law=ended[-1].law)
        first = self.versions[0]
        if first.valid_from and deciding.end < first.valid_from:  # not in force yet: say from when
            condition = self._condition(first.valid_from, "from", lang)
            return Rendered(self._value(first, lang, laws) + (f" ({condition})" if lang == "en" else f"（{condition}）"))
        shown = self._value(first, lang, laws)
        return Rendered(shown + self._others_note(list(self.versions[1:]), lang, laws, shown))

    def _others_note(self, others: list[FactVersion], lang: str, laws: Mapping[str, Law], shown: str) -> str:
        """(2027-01-01起为2个月) / (10 years if filed before 2021-06-01); nothing for the value `shown`
        (复审期限 15日 under both laws)."""
        parts = []
        for other in others:
            value = self._value(other, lang, laws)
            if value == shown:
                continue
            if other.valid_from:
                parts.append(self._condition(other.valid_from, "from", lang, value))
            elif other.valid_until:
                parts.append(self._condition(other.valid_until + timedelta(days=1), "before", lang, value))
        if not parts:
            return ""
        return f" ({'; '.join(parts)})" if lang == "en" else f"（{'；'.join(parts)}）"

    def _condition(self, day: date, side: str, lang: str, value: str = "") -> str:
        """申请日在2021-06-01以前的为10年 / 10 years if filed before 2021-06-01 (without value: the condition)."""
        noun, condition = _EVENT_WORDS[self.applies_by]
        if lang == "en":
            return " ".join(p for p in (value, condition, side, day.isoformat()) if p)
        if noun:
            when = f"{noun}在{day.isoformat()}" + ("及以后" if side == "from" else "以前")
        else:
            when = day.isoformat() + ("起" if side == "from" else "以前")
        return f"{when}{'的' if noun else ''}为{value}" if value else when

    def _chosen_note(self, chosen: FactVersion, lang: str, laws: Mapping[str, Law]) -> str:
        """The question's date picked `chosen`: say so, and that the other rule does not apply."""
        others = [v for v in self.versions if v is not chosen]
        if not others or self.article:  # an article names its law already
            return ""
        other = others[0].render(lang)
        law = laws.get(chosen.law)
        if chosen.valid_until:
            condition = self._condition(chosen.valid_until + timedelta(days=1), "before", lang)
        elif chosen.valid_from:
            condition = self._condition(chosen.valid_from, "from", lang)
        else:  # in force throughout: no date to name
            return ""
        if lang == "en":
            applies = f"{law.name_en} applies" if law else "this rule applies"
            return f" ({condition}: {applies}; the rule of {other} does not)"
        applies = f"适用{law.name}" if law else "适用此规定"
        return f"（{condition}，{applies}；{other}的规定不适用）"

    def _safe_note(self, safe: FactVersion, day: date, lang: str) -> str:
        """The transitional rule is not confirmed: name the switch and the safe course."""
        start = safe.valid_from or day
        value = safe.render(lang)
        if day < start:
            if lang == "en":
                return (f" ({value} from {start.isoformat()}; the transitional rule is not confirmed, so to be safe "
                        f"count {value})")
            return f"（{start.isoformat()}起为{value}；过渡规则未确认，稳妥起见按{value}计）"
        condition = self._condition(start, "before", lang)
        if lang == "en":
            return f" ({condition}, the transitional rule is not confirmed; to be safe count {value} too)"
        return f"（{condition}的，过渡规则未确认，稳妥起见也按{value}计）"


def _later(version: FactVersion, than: FactVersion) -> bool:
    return bool(version.valid_from and (than.valid_from is None or version.valid_from > than.valid_from))


class FactBook:
    """All facts by name and the laws they cite; renders answer templates for a language and a day."""

    def __init__(self, facts: Mapping[str, Fact], laws: Mapping[str, Law] | None = None) -> None:
        self.laws = dict(laws or {})
        self.facts = {name: self._with_law_dates(fact) for name, fact in facts.items()}

    def _with_law_dates(self, fact: Fact) -> Fact:
        """A version that cites a law and gives no dates of its own is valid while the law is."""
        def dated(version: FactVersion) -> FactVersion:
            law = self.laws.get(version.law)
            if law is None:
                return version
            return replace(
                version,
                valid_from=version.valid_from or law.valid_from,
                valid_until=version.valid_until or law.valid_until,
            )
        return replace(fact, versions=tuple(dated(v) for v in fact.versions))

    def render(
        self, template: str, lang: str, day: date,
        dates: Mapping[str | None, DateSpan] | None = None, cites: tuple[str, ...] = (),
    ) -> str:
        """The answer as the bot says it: `render_parts` joined, the notes on lines of their own."""
        text, notes = self.render_parts(template, lang, day, dates, cites)
        return "\n".join([text, *notes])

    def render_parts(
        self, template: str, lang: str, day: date,
        dates: Mapping[str | None, DateSpan] | None = None, cites: tuple[str, ...] = (),
    ) -> tuple[str, list[str]]:
        """The template with every fact quoted as it applies, and the notes the bot adds. `dates` are the question's dates by event
        (key None: a date naming no event); `cites` the law versions whose article numbers it quotes.
        When it follows a law that ends with no confirmed successor, a note says so and offers 转人工."""
        ended = [c for c in cites if c in self.laws and self.laws[c].ended(day)]  # laws to note

        def one(match: re.Match[str]) -> str:
            fact = self.facts.get(match.group(1))
            if fact is None:
                return match.group(0)
            given = dates or {}
            rendered = fact.render_note(lang, day, given.get(fact.applies_by) or given.get(None), self.laws)
            if rendered.ending_law:
                ended.append(rendered.ending_law)
            return rendered.text

        text = FACT_REF.sub(one, template)
        notes = [self._ended_note(self.laws[law_id], lang) for law_id in dict.fromkeys(ended) if law_id in self.laws]
        return text, notes

    @staticmethod
    def _ended_note(law: Law, lang: str) -> str:
        until = law.valid_until.isoformat() if law.valid_until else ""
        return UNCONFIRMED_NOTE[lang].format(law=law.label(lang), until=until)

    def switch_dates(self) -> list[date]:
        """Every day on which some fact or law changes, in order."""
        days = {d for fact in self.facts.values() for d in fact.switch_dates()}
        return sorted(days.union(*(law.switch_dates() for law in self.laws.values())))


def references(template: str) -> list[str]:
    """Fact names a template refers to."""
    return FACT_REF.findall(template)


def _date_field(item: Mapping[str, Any], key: str, problems: list[str]) -> date | None:
    if key in item and not isinstance(item[key], date):
        problems.append(f"{key}: not a date (YYYY-MM-DD)")
    return item.get(key) if isinstance(item.get(key), date) else None


def parse_fact(name: str, raw: Any) -> tuple[Fact | None, list[str]]:
    """Build a fact from its YAML; returns problems (field: message) instead of raising.

    Three forms: a mapping with `value`; a list of versions; a mapping with `versions:`. A mapping may
    carry the fact-wide `applies_by` and `article`."""
    options = raw if isinstance(raw, Mapping) else {}
    items = raw.get("versions") if "versions" in options else [raw] if options else raw
    problems: list[str] = []
    applies_by = str(options.get("applies_by", TODAY))
    if applies_by not in APPLIES_BY:
        problems.append(f"applies_by: one of {', '.join(APPLIES_BY)}")
        applies_by = TODAY
    versions: list[FactVersion] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping) or "value" not in item:
            problems.append("value: a fact needs a value")
            continue
        if not str(item.get("source") or "").strip():
            problems.append("source: missing")
        if not isinstance(item.get("reviewed"), date):
            problems.append("reviewed: missing or not a date (YYYY-MM-DD)")
        versions.append(
            FactVersion(
                value=item["value"],
                unit=str(item.get("unit") or ""),
                unit_en=str(item.get("unit_en") or ""),
                value_en=item.get("value_en"),
                valid_from=_date_field(item, "valid_from", problems),
                valid_until=_date_field(item, "valid_until", problems),
                source=str(item.get("source") or ""),
                reviewed=item.get("reviewed") if isinstance(item.get("reviewed"), date) else None,
                law=str(item.get("law") or ""),
                safe=item.get("safe") is True,
            )
        )
    if not versions:
        return None, problems or ["value: empty fact"]
    return Fact(name, tuple(versions), applies_by, options.get("article") is True), problems


def parse_laws(raw: Any) -> tuple[dict[str, Law], list[tuple[str, str]]]:
    """The `laws:` list of knowledge/laws.yaml; problems as (law id, 'field: message')."""
    items = raw.get("laws") if isinstance(raw, Mapping) else None
    if not isinstance(items, list):
        return {}, [("", "laws: must be a list")]
    laws: dict[str, Law] = {}
    problems: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        law_id = str(item.get("id") or f"#{index + 1}") if isinstance(item, Mapping) else f"#{index + 1}"
        if not isinstance(item, Mapping) or not item.get("id") or not item.get("name"):
            problems.append((law_id, "name: a law needs an id and a name"))
            continue
        messages: list[str] = []
        laws[law_id] = Law(
            id=law_id,
            name=str(item["name"]),
            name_en=str(item.get("name_en") or item["name"]),
            valid_from=_date_field(item, "valid_from", messages),
            valid_until=_date_field(item, "valid_until", messages),
            called=tuple(str(c) for c in item.get("called") or ()),
            cited_as=tuple(str(c) for c in item.get("cited_as") or ()),
        )
        problems += [(law_id, m) for m in messages]
    return laws, problems
