"""Text normalisation: NFKC, traditional→simplified, fillers, pinyin typo repair, segmentation, synonyms."""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

import jieba
import yaml
import zhconv

from bot.common.vocab import IP_VERBS
from bot.language import memo as language_memo

jieba.setLogLevel(logging.WARNING)
# Load zhconv's table by path: its default loader leaves the file open (a ResourceWarning).
zhconv.loaddict(str(Path(zhconv.__file__).with_name("zhcdict.json")))

_CJK = re.compile(r"[\u3400-\u9fff]")
_ASCII_WORD = re.compile(r"^[a-z0-9][a-z0-9_\-']*$")
_NOT_WORD = re.compile(r"[^\w\u3400-\u9fff]+")
_SPACES = re.compile(r"\s+")
# A lone R typed against Chinese (圆圈里一个R是啥意思, 印TM和印R) is the ® mark, written r标 like ® itself.
_LONE_R = re.compile(r"(?<![a-z])r(?![a-z标])(?!语言)(?=[\u3400-\u9fff])|(?<=[\u3400-\u9fff])r(?![a-z标])(?!语言)")
# English endings folded to find a listed word (infringes, infringed, infringing → infringe): suffix, replacement.
_ENGLISH_ENDINGS = (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"))
TRADITIONAL = "zh-hant"  # the language of a question in traditional characters (Chinese, counted as zh)
_SHARED_FORMS = str.maketrans("爲衆羣啓牀祕", "為眾群啟床秘")  # zh-hant's forms → those TW and HK write
# zhconv writes every 签 as 籤 (a slip, 标签 aside), 栗 as 慄 and 准 as 準: mended after converting.
_SIGN = re.compile(r"(?<![標書抽求中])籤")
_TRADITIONAL_SLIPS = (("錐慄", "錐栗"), ("板慄", "板栗"), ("準予", "准予"), ("準許", "准許"))
_A_NOT_A = re.compile(r"([\u3400-\u9fff])[不没]\1")  # 能不能, 有没有, 可不可(以)
KNOWN_WORD_MIN_FREQ = 10  # rarer entries of jieba's dictionary (专力, 3) may be typos …
TYPO_PRIOR_RATIO = 200  # … of an IP term at least this many times as frequent (专利 1171; not 质押 106 for 指压 3)
# Negations and function words that typo repair never rewrites (不能 is no 补能, 包装和 no 包装盒).
_KEPT_CHARACTERS = frozenset("不没无未非别勿莫和与及或跟同是的地得了着过在有个这那就都也还又把被让给对从到")


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
    def from_mapping(cls, raw: dict) -> Lexicon:
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
    def load(cls, path: Path) -> Lexicon:
        return cls.from_mapping(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def clean(text: str) -> str:
    """NFKC, traditional→simplified, lower case, punctuation to single spaces."""
    text = unicodedata.normalize("NFKC", text).replace("®", " r标 ")
    text = _LONE_R.sub("r标", to_simplified(text).lower())
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", text).replace("_", " ")).strip()


def _ask_plainly(text: str) -> str:
    """An A-not-A question as its plain form (能不能去投诉 → 能去投诉): the question stays, the 不 goes."""
    return _A_NOT_A.sub(r"\1", text)


@lru_cache(maxsize=16384)
def _script_sign(char: str) -> int:
    """1 for a character only traditional script writes (標), -1 for one only simplified writes (标), else 0."""
    if to_simplified(char) != char:
        return 1
    return -1 if zhconv.convert(char, TRADITIONAL) != char else 0


def chinese_script(text: str) -> str | None:
    """zh-hant when more characters are written the traditional way than the simplified way (商標註冊),
    zh for the reverse, None when the text shows neither (你好, 123)."""
    balance = sum(int(_SCRIPT_SIGNS.of(c)) for c in text if _CJK.match(c))
    return TRADITIONAL if balance > 0 else "zh" if balance < 0 else None


def to_traditional(text: str) -> str:
    """The text in traditional characters, character for character (zhconv's zh-hant: no regional words
    such as Taiwan's 智慧財產權 for 知识产权), with the forms Taiwan and Hong Kong share (為, not 爲)
    and zhconv's known slips mended (籤字 → 簽字, 錐慄 → 錐栗, 準予 → 准予)."""
    converted = _SIGN.sub("簽", zhconv.convert(text, TRADITIONAL).translate(_SHARED_FORMS))
    for wrong, right in _TRADITIONAL_SLIPS:
        converted = converted.replace(wrong, right)
    return converted


def to_simplified(text: str) -> str:
    """The text in simplified characters (only the script changes)."""
    return zhconv.convert(text, "zh-hans")


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
    """The sound of a text, without tones (pypinyin, imported on first use: it takes a while)."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text))


_CHARACTERS = range(0x3400, 0xA000)  # what _CJK matches


class _CharacterTable:
    """A text value of every Chinese character (_CJK), worked out once per version of the library it
    comes from and of this code, and kept on disk as one string that reads in milliseconds (a table of
    27,000 entries built or parsed at the first question cost it tens); without a memo directory each
    value is worked out when needed."""

    def __init__(self, kind: str, value: Callable[[str], str], package: str) -> None:
        self.kind, self.value, self.package = kind, value, package
        self._values: list[str] | None = None

    def of(self, char: str) -> str:
        if self._values is None:
            self._values = self._load()
        code = ord(char) - _CHARACTERS.start
        return self._values[code] if 0 <= code < len(self._values) else self.value(char)

    def _load(self) -> list[str]:
        """Every character's value, from the disk memo (built and stored when missing); [] when the memo
        is switched off."""
        if language_memo.cache_dir() is None:
            return []
        code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
        name = f"{self.kind}-{language_memo.fingerprint(language_memo.versions(self.package), _CJK.pattern, code)}"
        stored = (language_memo.read(name) or {}).get("values")
        values = stored.split("\n") if isinstance(stored, str) else []
        if len(values) != len(_CHARACTERS):
            values = [self.value(chr(number)) for number in _CHARACTERS]
            language_memo.write(name, {"values": "\n".join(values)})
        return values


_SOUNDS = _CharacterTable("pinyin", pinyin_key, "pypinyin")
_SCRIPT_SIGNS = _CharacterTable("script", lambda char: str(_script_sign(char)), "zhconv")


def character_sound(char: str) -> str:
    """pinyin_key of one character, read from a table kept on disk (built once per pypinyin version)."""
    return _SOUNDS.of(char)


@dataclass(frozen=True)
class Analysis:
    """A normalised text: `text` for character fuzzy matching, `tokens` for word matching."""

    text: str
    tokens: tuple[str, ...]
    cleaned: str = ""  # before fillers and stop words were removed (for greetings)
    repairs: tuple[tuple[str, str], ...] = ()  # typo repairs made: (typed, rewritten to)

    @property
    def key(self) -> str:
        """What "identical after normalisation" compares (greetings keep their cleaned form)."""
        return self.text or self.cleaned.replace(" ", "")


_DICTIONARY_LOCK = threading.Lock()
_dictionary: tuple[dict[str, int], int] | None = None  # jieba's word frequencies and their total


def jieba_dictionary() -> tuple[dict[str, int], int]:
    """jieba's base dictionary (word → frequency, prefixes → 0, and the total), loaded once per process;
    never modify it: every Normalizer adds its words to its own copy."""
    global _dictionary
    with _DICTIONARY_LOCK:
        if _dictionary is None:
            loader = jieba.Tokenizer()
            loader.initialize()
            _dictionary = (loader.FREQ, loader.total)
        return _dictionary


def own_tokenizer() -> jieba.Tokenizer:
    """A jieba segmenter over a private copy of the base dictionary (a dict copy, not a reload), so the
    words one Normalizer adds never reach another."""
    frequencies, total = jieba_dictionary()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(frequencies), total, True
    return tokenizer


class Normalizer:
    """Turns user text and knowledge phrasings into comparable canonical forms."""

    def __init__(self, lexicon: Lexicon, keep_whole: Iterable[str] = ()) -> None:
        self.lexicon = lexicon
        self._tokenizer = own_tokenizer()
        self._general_words = self._tokenizer.FREQ
        self._phrases = self._multiword_variants()
        self._particles = frozenset(f for f in lexicon.fillers if len(f) == 1 and has_cjk(f))
        self.vocabulary: set[str] = set()
        self._memo: dict[str, Analysis] = {}  # analyses of knowledge phrasings, reused across passes
        self._answer_words: dict[str, frozenset[str]] = {}  # words of knowledge answers
        self._parts: dict[str, frozenset[str]] = {}  # known words inside compounds
        words = [*lexicon.domain_words, *lexicon.synonyms, *lexicon.synonyms.values(), *keep_whole]
        self._inputs = _signature(lexicon, list(keep_whole))
        self._on_disk: tuple[str, int] | None = None  # the disk memo this state matches, and its size
        self._keep_whole(words)

    def _keep_whole(self, words: list[str]) -> None:
        """Make the segmenter keep the lexicon's words whole and learn them; the frequencies jieba suggests
        for them and the words learnt are read from disk when a Normalizer of the same inputs kept them."""
        name = f"words-{language_memo.fingerprint(self._inputs)}"
        stored = language_memo.read(name) or {}
        try:
            added = [(str(word), int(freq)) for word, freq in stored["added"]]
            vocabulary = {str(word) for word in stored["vocabulary"]}
        except (TypeError, KeyError, ValueError):
            added = []
            for word in words:
                word = clean(word).replace(" ", "")
                if len(word) >= 2 and has_cjk(word):
                    added.append((word, max(self._tokenizer.suggest_freq(word), 50000)))
                    self._tokenizer.add_word(*added[-1])
            self.learn(words)
            language_memo.write(name, {"added": added, "vocabulary": sorted(self.vocabulary)})
            return
        for word, freq in added:
            self._tokenizer.add_word(word, freq)
        self.vocabulary = vocabulary

    @cached_property
    def _repair_targets(self) -> dict[str, str]:
        """The IP terms typo repair may write, by their sound."""
        lexicon = self.lexicon
        return self._pinyin_of_terms([*lexicon.domain_words, *lexicon.subjects, *lexicon.anchors.values(), *IP_VERBS])

    @cached_property
    def _target_freq(self) -> dict[str, int]:
        """How common each term is in jieba's dictionary before the domain words were added to it."""
        general = jieba_dictionary()[0]
        return {term: general.get(term, 0) for term in self._repair_targets.values()}

    def _multiword_variants(self) -> list[tuple[re.Pattern[str], str]]:
        """Latin-script variants with spaces (open license) are replaced before segmentation."""
        phrases = [v for v in self.lexicon.synonyms if " " in v or "-" in v]
        phrases.sort(key=len, reverse=True)
        return [(re.compile(rf"(?<![a-z]){re.escape(v)}(?![a-z])"), self.lexicon.synonyms[v]) for v in phrases]

    @staticmethod
    def _pinyin_of_terms(terms: Iterable[str]) -> dict[str, str]:
        """The IP terms typo repair may write, by their sound (the first of equal sounds wins)."""
        index: dict[str, str] = {}
        for term in terms:
            term = clean(term).replace(" ", "")
            if len(term) >= 2 and all(_CJK.match(c) for c in term):
                index.setdefault(pinyin_key(term), term)
        return index

    def learn(self, words: Iterable[str]) -> None:
        """Add known words: typo repair never rewrites them, and they count for word overlap."""
        for word in words:
            word = clean(word).replace(" ", "")
            if len(word) < 2 or not has_cjk(word) or word in self.vocabulary:
                continue
            self.vocabulary.add(word)
        self._memo.clear()
        self._answer_words.clear()
        self._parts.clear()
        self._on_disk = None

    def learn_phrasings(self, phrasings: Iterable[str]) -> None:
        """Learn the words of the knowledge phrasings (before they are analysed for matching); a process
        that learnt the same ones before left its analyses on disk, and they are read instead."""
        phrasings = list(phrasings)
        name = f"normalizer-{language_memo.fingerprint(self._inputs, phrasings)}"
        if not self._restore(language_memo.read(name)):
            self.learn(t for p in phrasings for t in self._tokenizer.lcut(clean(p)))
        self._on_disk = (name, self._memo_size())

    def keep_on_disk(self) -> None:
        """Store the analyses made since the phrasings were learnt, for the next process (see learn_phrasings)."""
        if self._on_disk is None or self._on_disk[1] == self._memo_size():
            return
        language_memo.write(self._on_disk[0], {
            "vocabulary": sorted(self.vocabulary),
            "targets": self._repair_targets,
            "analyses": {text: [a.text, a.tokens, a.cleaned, a.repairs] for text, a in self._memo.items()},
            "answer_words": {text: sorted(words) for text, words in self._answer_words.items()},
        })
        self._on_disk = (self._on_disk[0], self._memo_size())

    def _memo_size(self) -> int:
        return len(self._memo) + len(self._answer_words)

    def _restore(self, stored: dict[str, Any] | None) -> bool:
        """Take the vocabulary and analyses of a disk memo; False when there is none (or it is damaged)."""
        if stored is None:
            return False
        try:
            vocabulary = set(stored["vocabulary"])
            memo = {
                text: Analysis(shown, tuple(tokens), cleaned, tuple((typed, meant) for typed, meant in repairs))
                for text, (shown, tokens, cleaned, repairs) in stored["analyses"].items()
            }
            answer_words = {text: frozenset(words) for text, words in stored["answer_words"].items()}
            targets = dict(stored["targets"])
        except (TypeError, KeyError, ValueError):
            return False
        self.vocabulary, self._memo, self._answer_words, self._parts = vocabulary, memo, answer_words, {}
        self.__dict__["_repair_targets"] = targets
        return True

    def analyze_known(self, text: str) -> Analysis:
        """Normalise a knowledge text, remembering the result (phrasings are analysed more than once)."""
        if text not in self._memo:
            self._memo[text] = self.analyze(text)
        return self._memo[text]

    def analyze(self, text: str) -> Analysis:
        """Normalise one text."""
        cleaned = clean(text)
        stripped = self._strip_fillers(self._replace_phrases(_ask_plainly(cleaned)))
        words = self._tokenizer.lcut(stripped)
        repaired, repairs = self._repair_typos(stripped, words)
        if repairs:  # segmented again only when a typo was mended
            words = self._tokenizer.lcut(repaired)
        tokens = [t for t in words if t.strip() and t not in self._particles]
        canonical = [self._canonical(t) for t in tokens]
        content = tuple(t for t in canonical if t not in self.lexicon.stopwords)
        return Analysis(text=join_tokens(content), tokens=content, cleaned=cleaned, repairs=repairs)

    def answer_words(self, text: str) -> frozenset[str]:
        """`words` of a knowledge answer, remembered (and kept on disk with the analyses)."""
        if text not in self._answer_words:
            self._answer_words[text] = self.words(text)
        return self._answer_words[text]

    def words(self, text: str) -> frozenset[str]:
        """The canonical content words of a longer text (an answer), without typo repair."""
        tokens = self._tokenizer.lcut(clean(re.sub(r"\{[^}]*\}", " ", text)))
        canonical = (self._canonical(t) for t in tokens if t.strip())
        return frozenset(t for t in canonical if t not in self.lexicon.stopwords and len(t) > 1)

    def _canonical(self, token: str) -> str:
        """The listed word a token stands for: its synonym, or an English inflection's (patents → 专利)."""
        if token in self.lexicon.synonyms or not _ASCII_WORD.match(token):
            return self.lexicon.synonyms.get(token, token)
        for suffix, replacement in _ENGLISH_ENDINGS:
            base = token[: -len(suffix)] + replacement
            if token.endswith(suffix) and len(base) > 2 and base in self.lexicon.synonyms:
                return self.lexicon.synonyms[base]
        return token

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
        """Remove politeness phrases (请问一下, please); one-character particles (吗, 呢, 吧) go only
        where they stand as a word of their own (after segmentation), so 哈密瓜 and 吧台 stay whole."""
        words = []
        for word in text.split(" "):
            if _ASCII_WORD.match(word):
                if word not in self.lexicon.fillers:
                    words.append(word)
                continue
            for filler in self.lexicon.fillers:
                if len(filler) > 1 and has_cjk(filler):
                    word = word.replace(filler, "")
            words.append(word)
        return " ".join(w for w in words if w)

    def _is_known_word(self, word: str) -> bool:
        """A word of the knowledge base, or of jieba's dictionary unless only a rare entry there (专力)."""
        return word in self.vocabulary or self._general_words.get(word, 0) >= KNOWN_WORD_MIN_FREQ

    def _repair_typos(self, text: str, words: list[str]) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Rewrite spans that are no word but sound like an IP term (商彪, 商标主册, 开放徐可, 地里标志);
        `words` is the segmentation of `text`."""
        sounds = [character_sound(c) if _CJK.match(c) else "" for c in text]  # "": no Chinese character
        owners = _word_spans(words, self._is_known_word)
        out: list[str] = []
        repairs: list[tuple[str, str]] = []
        i = 0
        while i < len(text):
            found = self._homophone_at(text, sounds, i, owners)
            if found:
                out.append(found)
                repairs.append((text[i : i + len(found)], found))
                i += len(found)
            else:
                out.append(text[i])
                i += 1
        return "".join(out), tuple(repairs)

    def _homophone_at(
        self, text: str, sounds: list[str], start: int, owners: list[tuple[int, int] | None]
    ) -> str | None:
        """The IP term that the 4, 3 or 2 characters at `start` sound like, if they are no word."""
        for length in (4, 3, 2):
            window = text[start : start + length]
            if len(window) < length or not all(sounds[start : start + length]):
                continue
            if self._is_known_word(window):
                return None
            target = self._repair_targets.get("".join(sounds[start : start + length]))
            if target and target != window and self._outnumbers(target, window) and self._may_rewrite(
                window, target, start, owners
            ):
                return target
        return None

    def _outnumbers(self, target: str, window: str) -> bool:
        """A rare word of jieba's dictionary is read as a typo only of a far more common IP term:
        专力 (3) as 专利 (1171), but 指压 (3) stays, next to 质押 (106)."""
        rare = self._general_words.get(window, 0)
        return not rare or self._target_freq[target] >= TYPO_PRIOR_RATIO * rare

    @staticmethod
    def _may_rewrite(window: str, target: str, start: int, owners: list[tuple[int, int] | None]) -> bool:
        """A character changes only when it is no negation or function word (不, 没, 和, 是) and its
        known word, if any, lies wholly inside the window (地里 in 地里标志, not 起来 in 保护起来)."""
        end = start + len(window)
        for offset, (typed, meant) in enumerate(zip(window, target)):
            if typed == meant:
                continue
            owner = owners[start + offset]
            if typed in _KEPT_CHARACTERS or (owner and not (start <= owner[0] and owner[1] <= end)):
                return False
        return True


def _word_spans(words: list[str], known: Callable[[str], bool]) -> list[tuple[int, int] | None]:
    """For each character, the (start, end) of the known word of two or more characters it belongs to."""
    spans: list[tuple[int, int] | None] = []
    offset = 0
    for word in words:
        span = (offset, offset + len(word)) if len(word) > 1 and known(word) else None
        spans += [span] * len(word)
        offset += len(word)
    return spans


def _signature(lexicon: Lexicon, keep_whole: list[str]) -> list[Any]:
    """Everything a Normalizer's results depend on before it learns phrasings: this code, the libraries,
    the lexicon and the words the segmenter keeps whole (sets sorted: their order varies by process)."""
    fields = {}
    for item in dataclasses.fields(lexicon):
        value = getattr(lexicon, item.name)
        fields[item.name] = sorted(value.items()) if isinstance(value, dict) else (
            sorted(value) if isinstance(value, frozenset) else list(value))
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return [code, language_memo.versions("jieba", "pypinyin", "zhconv"), list(IP_VERBS), fields, keep_whole]
