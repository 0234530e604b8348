"""Fixed interface strings in Chinese and English, and the titles of the fixed vocabularies' codes.

The strings live beside the code that says them: one `messages.yaml` per capability package
(bot/answering/messages.yaml, bot/handoff/messages.yaml, …), every key with its `zh` and `en` side by side;
the titles of topics, industries, station types and counties in bot/common/titles.yaml. They are read
once, when this module is imported; a key defined twice, or without both languages, stops the start."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.language.normalize import TRADITIONAL, to_traditional

BOT_DIR = Path(__file__).resolve().parents[1]
MESSAGE_FILE = "messages.yaml"
TITLES_FILE = BOT_DIR / "common" / "titles.yaml"
LANGUAGES = ("zh", "en")
Table = dict[str, dict[str, str]]


class MessagesError(ValueError):
    """A message file that cannot be used: a key twice, a language missing, a value not text."""


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]  # libyaml when present
    """A YAML loader that refuses a key given twice in one mapping (PyYAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        twice = sorted({str(key) for key in keys if keys.count(key) > 1})
        if twice:
            raise MessagesError(f"{node.start_mark.name}: defined twice: {', '.join(twice)}")
        return super().construct_mapping(node, deep=deep)


def message_files(root: Path = BOT_DIR) -> list[Path]:
    """Every capability's message file, in a fixed order."""
    return sorted(root.glob(f"*/{MESSAGE_FILE}"))


def _read(path: Path) -> dict[str, Any]:
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader) or {}
    if not isinstance(raw, dict):
        raise MessagesError(f"{path}: expected a mapping of keys")
    return raw


def _pair(forms: Any, where: str) -> dict[str, str]:
    """One key's forms: exactly zh and en, both text."""
    if not isinstance(forms, dict) or sorted(forms) != sorted(LANGUAGES):
        raise MessagesError(f"{where}: needs exactly {' and '.join(LANGUAGES)}")
    if not all(isinstance(value, str) for value in forms.values()):
        raise MessagesError(f"{where}: every form must be text")
    return forms


def load_messages(files: list[Path]) -> Table:
    """The messages of all `files` in one table; a key defined in two files is refused."""
    table: Table = {}
    for path in files:
        for key, forms in _read(path).items():
            if key in table:
                raise MessagesError(f"{path}: {key} is defined twice")
            table[key] = _pair(forms, f"{path}: {key}")
    return table


def load_titles(path: Path) -> dict[str, Table]:
    """kind → code → {zh, en}."""
    return {kind: {code: _pair(forms, f"{path}: {kind}.{code}") for code, forms in codes.items()}
            for kind, codes in _read(path).items()}


TEXTS: Table = load_messages(message_files())
TITLES: dict[str, Table] = load_titles(TITLES_FILE)


def list_separator(lang: str) -> str:
    """Between the items of a list in running text: 、 in Chinese, a comma in English."""
    return ", " if lang == "en" else "、"


def clause_separator(lang: str) -> str:
    """Between clauses or reasons: a semicolon, full-width in Chinese."""
    return "; " if lang == "en" else "；"


def _in(forms: dict[str, str], lang: str, **values: str) -> str:
    said = forms.get(lang, forms["zh"]).format(**values)
    return to_traditional(said) if lang == TRADITIONAL else said


def text(key: str, lang: str, **values: str) -> str:
    """The string `key` in `lang` (zh-hant: zh in traditional characters; zh when the language is unknown)."""
    return _in(TEXTS[key], lang, **values)


def title(kind: str, code: str, lang: str) -> str:
    """What a code of the vocabulary `kind` (topic, industry, station_type, county) is called in `lang`
    (as `text` does); a code without a title is shown as it is."""
    forms = TITLES[kind].get(code)
    return _in(forms, lang) if forms else code


def titles(kind: str, code: str) -> tuple[str, ...]:
    """Every title of a code, for recognising what people type (the code itself when it has none)."""
    forms = TITLES[kind].get(code)
    return tuple(forms[lang] for lang in LANGUAGES) if forms else (code,)
