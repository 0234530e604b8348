"""Text normalisation: NFKC, traditional→simplified, fillers, pinyin typo repair, segmentation, synonyms."""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import jieba
import yaml
import zhconv
from pypinyin import lazy_pinyin

jieba.setLogLevel(logging.WARNING)
# Load zhconv's table by path: its default loader leaves the file open (a ResourceWarning).
zhconv.loaddict(str(Path(zhconv.__file__).with_name("zhcdict.json")))

_CJK = re.compile(r"[\u3400-\u9fff]")
_ASCII_WORD = re.compile(r"^[a-z0-9][a-z0-9_\-']*$")
_NOT_WORD = re.compile(r"[^\w\u3400-\u9fff]+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Lexicon:
    """The matching vocabulary of knowledge/synonyms.yaml."""

    domain_words: frozenset[str] = frozenset()
    synonyms: dict[str, str] = field(default_factory=dict)  # variant -> canonical
    fillers: tuple[str, ...] = ()
    stopwords: frozenset[str] = frozenset()
    anchors: dict[str, str] = field(default_factory=dict)
    followup_markers: tuple[str, ...] = ()
    followup_endings: tuple[str, ...] = ()
    off_topic_words: frozenset[str] = frozenset()
    handoff_words: tuple[str, ...] = ()
    aspects: frozenset[str] = frozenset()
    subjects: frozenset[str] = frozenset()
    help_words: frozenset[str] = frozenset()
    ack_words: frozenset[str] = frozenset()  # emoji kept as they are
    menu_words: dict[str, str] = field(default_factory=dict)  # bare word -> topic

    @classmethod
    def from_mapping(cls, raw: dict) -> "Lexicon":
        """Build from the parsed YAML (values are cleaned like user text)."""
        variants: dict[str, str] = {}
        for canonical, words in (raw.get("synonyms") or {}).items():
            for word in words or []:
                variants[clean(str(word))] = clean(str(canonical))
        return cls(
            domain_words=frozenset(clean(w) for w in raw.get("domain_words") or []),
            synonyms=variants,
            fillers=tuple(sorted((clean(f) for f in raw.get("fillers") or []), key=len, reverse=True)),
            stopwords=frozenset(clean(str(w)) for w in raw.get("stopwords") or []),
            anchors={k: clean(v) for k, v in (raw.get("anchors") or {}).items()},
            followup_markers=tuple(clean(m).replace(" ", "") for m in raw.get("followup_markers") or []),
            followup_endings=tuple(clean(m) for m in raw.get("followup_endings") or []),
            off_topic_words=frozenset(clean(w) for w in raw.get("off_topic_words") or []),
            handoff_words=tuple(clean(w) for w in raw.get("handoff_words") or []),
            aspects=frozenset(clean(w) for w in raw.get("aspects") or []),
            subjects=frozenset(clean(w) for w in raw.get("subjects") or []),
            help_words=frozenset(clean(w).replace(" ", "") for w in raw.get("help_words") or []),
            ack_words=frozenset(clean(w).replace(" ", "") or w for w in raw.get("ack_words") or []),
            menu_words={
                clean(w).replace(" ", ""): topic
                for topic, words in (raw.get("menu_words") or {}).items() for w in words or []
            },
        )

    @classmethod
    def load(cls, path: Path) -> "Lexicon":
        return cls.from_mapping(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def clean(text: str) -> str:
    """NFKC, traditional→simplified, lower case, punctuation to single spaces."""
    text = unicodedata.normalize("NFKC", text).replace("®", " r标 ")
    text = zhconv.convert(text, "zh-hans").lower()
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", text).replace("_", " ")).strip()


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def looks_english(text: str) -> bool:
    """True when the text is written in Latin letters with no Chinese characters."""
    return not has_cjk(text) and bool(re.search(r"[A-Za-z]{2,}", text))


def join_tokens(tokens: Iterable[str]) -> str:
    """Concatenate tokens, with a space only between two Latin-script tokens."""
    out: list[str] = []
    for token in tokens:
        if out and _ASCII_WORD.match(out[-1]) and _ASCII_WORD.match(token):
            out.append(" ")
        out.append(token)
    return "".join(out)


@lru_cache(maxsize=65536)
def pinyin_key(text: str) -> str:
    return "".join(lazy_pinyin(text))


@dataclass(frozen=True)
class Analysis:
    """A normalised text: `text` for character fuzzy matching, `tokens` for word matching."""

    text: str
    tokens: tuple[str, ...]
    cleaned: str = ""  # before fillers and stop words were removed (for greetings)

    @property
    def key(self) -> str:
        """What "identical after normalisation" compares (greetings keep their cleaned form)."""
        return self.text or self.cleaned.replace(" ", "")


class Normalizer:
    """Turns user text and knowledge phrasings into comparable canonical forms."""

    def __init__(self, lexicon: Lexicon, keep_whole: Iterable[str] = ()) -> None:
        self.lexicon = lexicon
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        self._general_words = self._tokenizer.FREQ
        self._phrases = self._multiword_variants()
        self.vocabulary: set[str] = set()
        self._pinyin_index: dict[str, str] = {}
        self._memo: dict[str, Analysis] = {}  # analyses of knowledge phrasings, reused across passes
        self._parts: dict[str, frozenset[str]] = {}  # known words inside compounds
        words = [*lexicon.domain_words, *lexicon.synonyms, *lexicon.synonyms.values(), *keep_whole]
        for word in words:
            word = clean(word).replace(" ", "")
            if len(word) >= 2 and has_cjk(word):
                self._tokenizer.add_word(word, freq=max(self._tokenizer.suggest_freq(word), 50000))
        self.learn(words)

    def _multiword_variants(self) -> list[tuple[re.Pattern[str], str]]:
        """Latin-script variants with spaces (open license) are replaced before segmentation."""
        phrases = [v for v in self.lexicon.synonyms if " " in v or "-" in v]
        phrases.sort(key=len, reverse=True)
        return [(re.compile(rf"(?<![a-z]){re.escape(v)}(?![a-z])"), self.lexicon.synonyms[v]) for v in phrases]

    def learn(self, words: Iterable[str]) -> None:
        """Add known words for typo repair (a run that sounds like one of them is rewritten to it)."""
        for word in words:
            word = clean(word).replace(" ", "")
            if len(word) < 2 or not has_cjk(word) or word in self.vocabulary:
                continue
            self.vocabulary.add(word)
            self._pinyin_index.setdefault(pinyin_key(word), word)
        self._memo.clear()
        self._parts.clear()

    def learn_phrasings(self, phrasings: Iterable[str]) -> None:
        """Learn the words of the knowledge phrasings (before they are analysed for matching)."""
        self.learn(t for p in phrasings for t in self._tokenizer.lcut(clean(p)))

    def analyze_known(self, text: str) -> Analysis:
        """Normalise a knowledge text, remembering the result (phrasings are analysed more than once)."""
        if text not in self._memo:
            self._memo[text] = self.analyze(text)
        return self._memo[text]

    def analyze(self, text: str) -> Analysis:
        """Normalise one text."""
        cleaned = clean(text)
        stripped = self._repair_typos(self._strip_fillers(self._replace_phrases(cleaned)))
        tokens = [t for t in self._tokenizer.lcut(stripped) if t.strip()]
        canonical = [self.lexicon.synonyms.get(t, t) for t in tokens]
        content = tuple(t for t in canonical if t not in self.lexicon.stopwords)
        return Analysis(text=join_tokens(content), tokens=content, cleaned=cleaned)

    def words(self, text: str) -> frozenset[str]:
        """The canonical content words of a longer text (an answer), without typo repair."""
        tokens = self._tokenizer.lcut(clean(re.sub(r"\{[^}]*\}", " ", text)))
        canonical = (self.lexicon.synonyms.get(t, t) for t in tokens if t.strip())
        return frozenset(t for t in canonical if t not in self.lexicon.stopwords and len(t) > 1)

    def search_tokens(self, analysis: Analysis) -> frozenset[str]:
        """Tokens plus the known words inside compounds (地理标志产品 → 地理标志, 产品), for word overlap."""
        parts: set[str] = set(analysis.tokens)
        for token in analysis.tokens:
            if len(token) > 2 and has_cjk(token):
                parts |= self._known_parts(token)
        return frozenset(parts)

    def _known_parts(self, token: str) -> frozenset[str]:
        """Known words of two or more characters inside a longer word (synonyms applied), remembered."""
        if token not in self._parts:
            pieces = (
                self.lexicon.synonyms.get(token[i:j], token[i:j])
                for i in range(len(token))
                for j in range(i + 2, len(token) + (i > 0))
            )
            self._parts[token] = frozenset(
                p for p in pieces if p in self.vocabulary and p not in self.lexicon.stopwords
            )
        return self._parts[token]

    def _replace_phrases(self, text: str) -> str:
        for pattern, canonical in self._phrases:
            text = pattern.sub(f" {canonical} ", text)
        return text

    def _strip_fillers(self, text: str) -> str:
        words = []
        for word in text.split(" "):
            if _ASCII_WORD.match(word):
                if word not in self.lexicon.fillers:
                    words.append(word)
                continue
            for filler in self.lexicon.fillers:
                if has_cjk(filler):
                    word = word.replace(filler, "")
            words.append(word)
        return " ".join(w for w in words if w)

    def _repair_typos(self, text: str) -> str:
        """Rewrite runs that are no word but sound like a known one (商标主册, 质压, 开放徐可)."""
        boundaries, inside_known, offset = {0}, set(), 0
        for token in self._tokenizer.lcut(text):
            if token in self.vocabulary:  # a window may not cut a known word (地理标志|什么 is no 指什么)
                inside_known.update(range(offset + 1, offset + len(token)))
            offset += len(token)
            boundaries.add(offset)
        sounds = [pinyin_key(c) if _CJK.match(c) else c for c in text]
        out: list[str] = []
        i = 0
        while i < len(text):
            found = None if i in inside_known else self._homophone_at(text, sounds, i, boundaries, inside_known)
            if found:
                out.append(found[0])
                i += found[1]
            else:
                out.append(text[i])
                i += 1
        return "".join(out)

    def _plausible_two_character_typo(self, window: str, target: str, start: int, boundaries: set[int]) -> bool:
        """Two characters are rewritten only when they are no word themselves and stand as a word of
        their own (主册 in 商标/主/册), or at a word edge when they sound like a domain word (版全)."""
        if window in self._general_words:
            return False
        edges = {start, start + 2} & boundaries
        return len(edges) == 2 or (bool(edges) and target in self.lexicon.domain_words)

    def _homophone_at(
        self, text: str, sounds: list[str], start: int, boundaries: set[int], inside_known: set[int]
    ) -> tuple[str, int] | None:
        """A known word that the 4, 3 or 2 characters at `start` sound like; two only at word edges."""
        for length in (4, 3, 2):
            window = text[start : start + length]
            if len(window) < length or not all(_CJK.match(c) for c in window) or start + length in inside_known:
                continue
            if window in self.vocabulary:
                return None
            target = self._pinyin_index.get("".join(sounds[start : start + length]))
            if not target or target == window or len(target) != length:
                continue
            if length == 2 and not self._plausible_two_character_typo(window, target, start, boundaries):
                continue
            return target, length
        return None
