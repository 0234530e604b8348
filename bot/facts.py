"""Named facts (fees, time limits, percentages) quoted by answers as {fact.name}, with validity dates."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

FACT_REF = re.compile(r"\{([a-z0-9_]+(?:\.[a-z0-9_]+)+)\}")


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

    def in_force(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

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
class Fact:
    name: str
    versions: tuple[FactVersion, ...]

    def version_on(self, day: date) -> FactVersion | None:
        return next((v for v in self.versions if v.in_force(day)), None)

    def render(self, lang: str, day: date) -> str:
        """The version in force on `day`, plus a note when a later version is already known."""
        current = self.version_on(day)
        upcoming = sorted(
            (v for v in self.versions if v.valid_from and v.valid_from > day),
            key=lambda v: v.valid_from,
        )
        if current is None:
            current, upcoming = (upcoming[0], upcoming[1:]) if upcoming else (self.versions[-1], [])
        text = current.render(lang)
        if upcoming:
            nxt = upcoming[0]
            if lang == "en":
                text += f" (from {nxt.valid_from.isoformat()}: {nxt.render('en')})"
            else:
                text += f"（{nxt.valid_from.isoformat()}起为{nxt.render('zh')}）"
        return text


class FactBook:
    """All facts by name; renders answer templates for a language and a day."""

    def __init__(self, facts: Mapping[str, Fact]) -> None:
        self.facts = dict(facts)

    def render(self, template: str, lang: str, day: date) -> str:
        return FACT_REF.sub(lambda m: self._render_one(m.group(1), lang, day), template)

    def _render_one(self, name: str, lang: str, day: date) -> str:
        fact = self.facts.get(name)
        return fact.render(lang, day) if fact else "{" + name + "}"


def references(template: str) -> list[str]:
    """Fact names a template refers to."""
    return FACT_REF.findall(template)


def parse_fact(name: str, raw: Any) -> tuple[Fact | None, list[str]]:
    """Build a fact from its YAML; returns problems (field: message) instead of raising."""
    items = raw if isinstance(raw, list) else [raw]
    versions: list[FactVersion] = []
    problems: list[str] = []
    for item in items:
        if not isinstance(item, Mapping) or "value" not in item:
            problems.append("value: a fact needs a value")
            continue
        if not str(item.get("source") or "").strip():
            problems.append("source: missing")
        if not isinstance(item.get("reviewed"), date):
            problems.append("reviewed: missing or not a date (YYYY-MM-DD)")
        for key in ("valid_from", "valid_until"):
            if key in item and not isinstance(item[key], date):
                problems.append(f"{key}: not a date (YYYY-MM-DD)")
        versions.append(
            FactVersion(
                value=item["value"],
                unit=str(item.get("unit") or ""),
                unit_en=str(item.get("unit_en") or ""),
                value_en=item.get("value_en"),
                valid_from=item.get("valid_from") if isinstance(item.get("valid_from"), date) else None,
                valid_until=item.get("valid_until") if isinstance(item.get("valid_until"), date) else None,
                source=str(item.get("source") or ""),
                reviewed=item.get("reviewed") if isinstance(item.get("reviewed"), date) else None,
            )
        )
    if not versions:
        return None, problems or ["value: empty fact"]
    return Fact(name, tuple(versions)), problems
