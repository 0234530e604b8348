"""The interface strings: every capability's messages.yaml read into one table, each key in zh and en with
the same placeholders, every key the code names defined once and every defined key used; the titles of
the vocabularies' codes."""
from __future__ import annotations

import ast
import functools
import string
from pathlib import Path

import pytest

from bot.common.vocab import CITY, INDUSTRIES, IP_TOPICS, STATION_TYPES
from bot.i18n.texts import (
    TEXTS,
    TITLES,
    MessagesError,
    load_messages,
    message_files,
    text,
    title,
    titles,
)
from bot.language.normalize import TRADITIONAL

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("bot", "handlers", "cli")
# Calls that take a message key → its position: the lookup itself, the report's and Telegram's names for it,
# the report's headings and the errors that carry a key for the channel to word.
KEY_CALLS = {"text": 0, "said": 0, "interface_text": 0, "BadTime": 0, "DeadlineError": 0, "heading": 1}
# Keys whose languages write a value in different forms (the code passes both): 11月30日 / 2026-11-30.
WRITTEN_DIFFERENTLY = {"opening_time": ({"month", "day"}, {"date"})}


@functools.cache
def code_trees() -> list[ast.Module]:
    """Every module of bot/, handlers/, cli/ and run_bot.py, parsed once, when a test first needs them
    (not while the suite is collected, in every xdist worker)."""
    files = [path for folder in CODE_DIRS for path in sorted((ROOT / folder).rglob("*.py"))]
    return [ast.parse(path.read_text(encoding="utf-8"), str(path)) for path in files + [ROOT / "run_bot.py"]]



def named_keys() -> list[ast.expr]:
    """The key argument of every call that takes one."""
    found = []
    for tree in code_trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                position = KEY_CALLS.get(getattr(node.func, "id", getattr(node.func, "attr", "")))
                if position is not None and len(node.args) > position:
                    found.append(node.args[position])
    return found


def string_constants() -> set[str]:
    return {node.value for tree in code_trees() for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_every_capability_keeps_its_messages_beside_its_code() -> None:
    names = {path.parent.name for path in message_files()}
    assert {"answering", "handoff", "reach", "firms", "metrics", "stations", "delivery"} <= names
    assert len(TEXTS) > 300


def test_every_key_has_zh_and_en_with_the_same_placeholders() -> None:
    for key, forms in TEXTS.items():
        assert set(forms) == {"zh", "en"} and all(forms.values()), key
        zh_only, en_only = WRITTEN_DIFFERENTLY.get(key, (set(), set()))
        assert placeholders(forms["zh"]) - zh_only == placeholders(forms["en"]) - en_only, key


def test_every_key_the_code_names_is_defined_and_none_is_built() -> None:
    named = named_keys()
    built = [node.lineno for node in named if isinstance(node, ast.JoinedStr | ast.BinOp)]
    assert built == [], "a message key built from pieces; name it, or map codes to keys"
    unknown = {node.value for node in named if isinstance(node, ast.Constant)} - set(TEXTS)
    assert unknown == set()


def test_every_mapping_to_message_keys_names_defined_keys() -> None:
    """A dict whose values are message keys (codes → keys, as STATUS_KEYS) has no misspelt one."""
    for tree in code_trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict) and node.values and all(
                    isinstance(v, ast.Constant) and isinstance(v.value, str) for v in node.values):
                values = {v.value for v in node.values}  # type: ignore[attr-defined]
                if values & set(TEXTS):
                    assert values <= set(TEXTS), values - set(TEXTS)


def test_every_defined_key_is_used() -> None:
    assert set(TEXTS) - string_constants() == set()


def test_a_key_defined_twice_stops_the_start(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "messages.yaml", tmp_path / "b" / "messages.yaml"
    for path in (first, second):
        path.parent.mkdir()
        path.write_text('greeting:\n  zh: "你好"\n  en: "Hello"\n', encoding="utf-8")
    with pytest.raises(MessagesError, match="greeting is defined twice"):
        load_messages([first, second])
    first.write_text('hi:\n  zh: "你好"\n  en: "Hi"\nhi:\n  zh: "嗨"\n  en: "Hi"\n', encoding="utf-8")
    with pytest.raises(MessagesError, match="defined twice: hi"):
        load_messages([first])


def test_a_missing_language_stops_the_start(tmp_path: Path) -> None:
    path = tmp_path / "messages.yaml"
    path.write_text('greeting:\n  zh: "你好"\n', encoding="utf-8")
    with pytest.raises(MessagesError, match="greeting: needs exactly zh and en"):
        load_messages([path])


def test_text_renders_in_the_language_asked() -> None:
    assert text("handoff_choice", "zh") == "留给专员"
    assert text("handoff_choice", TRADITIONAL) == "留給專員"
    assert text("handoff_choice", "fr") == "留给专员"  # an unknown language gets Chinese
    assert text("flood", "en", seconds="5") == "You are sending messages too fast; please wait 5 seconds."


def test_every_code_of_the_vocabularies_has_a_title() -> None:
    assert list(TITLES["topic"]) == list(IP_TOPICS)
    assert list(TITLES["industry"]) == list(INDUSTRIES)
    assert list(TITLES["station_type"]) == list(STATION_TYPES)
    assert list(TITLES["county"]) == [CITY]


def test_title_names_a_code_in_the_language_asked() -> None:
    assert (title("topic", "trademark", "zh"), title("topic", "trademark", "en")) == ("商标", "Trademarks")
    assert title("topic", "geographical_indication", TRADITIONAL) == "地理標誌"
    assert title("industry", "jian_ware", "en") == "Jian ware"
    assert title("county", CITY, "zh") == "南平市（市本级）"
    assert title("county", "邵武市", "en") == "邵武市"  # a county is called by its name
    assert title("topic", "smalltalk", "zh") == "smalltalk"  # a code without a title is shown as it is
    assert titles("industry", "tea") == ("茶叶", "tea")
