"""What a short, content-free or bare message asks for, before any matching: a topic's menu, help, an
acknowledgement, a number that picks nothing, noise, a request for a person — or a real question."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from bot.language.normalize import Normalizer, clean, has_cjk

if TYPE_CHECKING:
    from bot.knowledge.base import Entry

QUESTION, MENU, HELP, ACK, NUMBER, NOISE = "question", "menu", "help", "ack", "number", "noise"

_NUMBER = re.compile(r"^(?:选|第|no\.?|#)?\s*(\d{1,6}|[一二三四五六七八九十两]{1,3})\s*(?:个|项|条|号|个选项)?$")
_MENU_FRAME = re.compile(r"^(?:我想|我要|想|请问|咨询|问一下|问问|关于|了解一下|了解)?(.+?)(?:的)?"
                         r"(?:问题|相关问题|相关|方面|方面的问题|业务|咨询|服务|怎么办|吧)?$")
_SEPARATOR = re.compile(r"[\s:：,，。.!！?？、;；]")
_LATIN_WORD = re.compile(r"[a-z]+")
_SYMBOLS = {"So", "Sk", "Sm", "Cn", "Co", "Cs"}
SAFE_PREFIX_CHARS = 3  # a handoff word this long (转人工) may run straight into the question


@dataclass(frozen=True)
class Opening:
    """The kind of a message (`question` when it needs matching) and, for a menu, the topic or group."""

    kind: str
    target: str = ""


def _is_symbols_only(text: str) -> bool:
    """Emoji, pictographs and punctuation only (no letters or digits)."""
    return all(unicodedata.category(ch)[0] in "PZ" or unicodedata.category(ch) in _SYMBOLS or ch in "\ufe0f\u200d"
               for ch in text)


class OpeningPolicy:
    """Classifies what people type first (商标, 帮助, ok, 99, asdfghjkl) from the lexicon's word lists."""

    def __init__(self, normalizer: Normalizer, menu_words: dict[str, str], english_words: frozenset[str]) -> None:
        self.normalizer = normalizer
        self.lexicon = normalizer.lexicon
        self.menu_words = {clean(w).replace(" ", ""): target for w, target in menu_words.items()}
        self.english_words = english_words

    def classify(self, raw: str) -> Opening:
        """The opening kind of one message."""
        stripped = raw.strip()
        if not stripped or _is_symbols_only(stripped):
            return Opening(ACK if stripped and self._all_ack_symbols(stripped) else NOISE)
        said = clean(stripped).replace(" ", "")
        if said in self.lexicon.ack_words:
            return Opening(ACK)
        if said in self.lexicon.help_words:
            return Opening(HELP)
        if _NUMBER.match(said):
            return Opening(NUMBER)
        target = self._menu_target(said)
        if target:
            return Opening(MENU, target)
        if not has_cjk(said) and not self._has_english_word(clean(stripped)):
            return Opening(NOISE)
        return Opening(QUESTION)

    def asks_for_person(self, raw: str) -> bool:
        """转人工, 人工, human: a handoff word as a word of its own, at the start (人工智能 is not one)."""
        text = clean(raw)
        compact = text.replace(" ", "")
        for word in self.lexicon.handoff_words:
            plain = word.replace(" ", "")
            if compact == plain:
                return True
            if has_cjk(word) and len(plain) >= SAFE_PREFIX_CHARS and compact.startswith(plain):
                return True
            if text.startswith(word) and _SEPARATOR.match(text[len(word):len(word) + 1] or " "):
                return has_cjk(word) or text == word
        return False

    def _menu_target(self, said: str) -> str:
        if said in self.menu_words:
            return self.menu_words[said]
        framed = _MENU_FRAME.match(said)
        return self.menu_words.get(framed.group(1), "") if framed else ""

    def _has_english_word(self, text: str) -> bool:
        return any(w in self.english_words or w in self.lexicon.stopwords for w in _LATIN_WORD.findall(text))

    def _all_ack_symbols(self, text: str) -> bool:
        symbols = [ch for ch in text if unicodedata.category(ch)[0] not in "PZ" and ch not in "\ufe0f\u200d"]
        return bool(symbols) and all(ch in self.lexicon.ack_words for ch in symbols)


def english_words(entries: Iterable[Entry]) -> frozenset[str]:
    """The Latin-script words the knowledge base uses (titles, answers, phrasings): what makes
    a Latin-letter message English rather than noise (asdfghjkl)."""
    words: set[str] = set()
    for entry in entries:
        for text in (entry.title_en, entry.answer_en, *entry.questions):
            words.update(w for w in _LATIN_WORD.findall(text.lower()) if len(w) > 1)
    return frozenset(words)
