"""Is this an IP question? A decision about meaning (issue 13 item 5), not a word list.

A question is about IP when an IP right (商标, 专利, 著作权 …) stands in it as what is asked about, or
when it names no right but what it talks about is what the knowledge base talks about (续展以后又能用
几年, 质押贷款还不上会怎样). Without a right standing as its subject or object, it is *not* about IP when

- an IP word only qualifies a noun of another domain: a compound no knowledge text uses (商标纸,
  专利局) or a right typed straight before a word no knowledge text uses (商标贴纸, trademark labels);
- or a good share (FOREIGN_SHARE) of its content words are words no entry's phrasings, title or answer
  use (房产证 质押, 采伐 许可证, 工资 纠纷, truck pledge loan): the rest of the question is covered by
  no entry's content.

An infringement the asker is a party to stands for a right although none is named: the asker's own
goods or brand are copied (有人在集市上卖仿我们的竹凉席, 假冒我们品牌的建盏), or the asker is accused
(同行告我们侵权). A buyer's complaint about a fake (买到假冒的茶叶怎么维权) is neither and stays to the
content test.

"Known" is read off the knowledge base itself (phrasings, titles, answers in both languages, keywords,
the lexicon's domain words), so new entries widen what is in scope without touching this module.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import jieba

from bot.common.vocab import canonical_county
from bot.knowledge.base import KnowledgeBase
from bot.language import memo as language_memo
from bot.language.normalize import Analysis, has_cjk, jieba_dictionary

# The rights the assistant is about. A small closed set: every other IP word (质押, 许可, 登记, 投诉,
# 纠纷, 保险 …) names a procedure that applies to houses, trucks and food licences just as well, so it
# makes a question IP only together with a right or with content the knowledge base covers.
RIGHTS = ("商标", "专利", "著作权", "版权", "软著", "地理标志", "知识产权", "实用新型", "外观设计",
          "开放许可", "专利密集型产品", "商业秘密", "专用标志", "注册标记")
# Share of a question's content words, unknown to every knowledge text, that makes a question without
# a right out of scope (tuned on the dev set: docs/answer-quality.md, "The scope decision").
FOREIGN_SHARE = 0.2
# Words that say something was copied, faked or taken (canonical forms: 卖仿, 假货 and copied are 侵权).
INFRINGEMENTS = ("侵权", "假冒", "抢注")
# The asker is a party: a first-person possessive (我们的, 我家, our: what is copied is theirs), or a first
# person right after a verb that copies or accuses (仿冒我们品牌, 告我们, 说我侵权). Read on the cleaned
# text, before stop words go.
_ASKER_PARTY = re.compile(r"(?:我们|咱们|我|咱|俺)(?:家)?的|(?:我们|咱|自)家|本(?:公司|厂)"
                          r"|(?:仿|冒|抄|盗|假冒|侵犯|告|说|指控|投诉|起诉|警告)了?(?:我们|咱们|我|咱)"
                          r"|(?<![a-z])(?:our|my|us)(?![a-z])")
MIN_LATIN_WORD = 4  # shorter Latin tokens (a, to, tm, day) say little about the domain
# Words that name no domain, by their part of speech in jieba's dictionary: pronouns, localisers,
# adverbs, particles, numerals, time words … (这种, 附近, 最近, 以内), and verbs and adjectives as common
# as 听说 and 剩下 (a frequency of 1,000 or more).
_CLOSED_CLASSES = re.compile(r"^(\S+) \d+ [rfdupcmqtyeozk]\w*\r?$", re.MULTILINE)
_COMMON_VERBS = re.compile(r"^(\S+) \d{4,} (?:v|vd|vg|a|ad)\r?$", re.MULTILINE)
_GENERAL_PATTERNS = (_CLOSED_CLASSES.pattern, _COMMON_VERBS.pattern)  # what the general words' memo depends on


@dataclass(frozen=True)
class ScopeReading:
    """What a question is about, as the scope decision reads it."""

    rights: tuple[str, ...]  # rights standing as what is asked about
    modifiers: tuple[str, ...]  # IP words that only qualify a noun of another domain (商标纸, 商标 贴纸)
    foreign: tuple[str, ...]  # content words no knowledge text uses
    content: int  # content words counted
    asker_party: bool = False  # an infringement the asker is party to (卖仿我们的竹凉席, 同行告我们侵权)

    @property
    def foreign_share(self) -> float:
        return len(self.foreign) / self.content if self.content else 0.0

    @property
    def about_ip(self) -> bool:
        """A right is asked about; else no IP word only qualifies another domain's noun and the
        question's content is mostly what the knowledge base covers."""
        if self.rights or self.asker_party:
            return True
        return not self.modifiers and self.foreign_share < FOREIGN_SHARE

    def explain(self) -> str:
        party = ", an infringement the asker is party to" if self.asker_party else ""
        return (f"rights {'/'.join(self.rights) or '-'}, modifiers {'/'.join(self.modifiers) or '-'}, "
                f"foreign {'/'.join(self.foreign) or '-'} ({self.foreign_share:.0%} of {self.content}){party}")


class Scope:
    """Reads questions against the vocabulary of one knowledge base (built once)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.normalizer = kb.normalizer
        self.lexicon = kb.lexicon
        self.known = self._vocabulary(kb)
        self.frequency = jieba_dictionary()[0]
        self.general = general_words()
        self._surfaces = _surfaces(kb)

    def _vocabulary(self, kb: KnowledgeBase) -> frozenset[str]:
        normalizer = kb.normalizer
        words: set[str] = set(self.lexicon.domain_words) | set(self.lexicon.synonyms) | set(self.lexicon.aspects)
        for entry in kb.entries.values():
            for phrasing in (*entry.questions, *entry.keywords):
                words |= normalizer.search_tokens(normalizer.analyze_known(phrasing))
            words |= normalizer.answer_words(f"{entry.title} {entry.answer}")  # the Matcher's memo
            words |= normalizer.answer_words(f"{entry.title_en} {entry.answer_en}")
        normalizer.keep_on_disk()  # the English answers' words too: a second start-up segments nothing
        return frozenset(words)

    def read(self, analysis: Analysis) -> ScopeReading:
        """The rights, modifiers and foreign words of one analysed question."""
        tokens = analysis.tokens
        rights: list[str] = []
        modifiers: list[str] = []
        for position, token in enumerate(tokens):
            named = _right_in(token)
            if not named:
                continue
            following = tokens[position + 1] if position + 1 < len(tokens) else ""
            if (token not in RIGHTS and not self.is_known(token)) or self._qualifies(token, following, analysis):
                modifiers.append(token)
            else:
                rights.append(named)
        content = [t for t in tokens if self._counts(t) and not _right_in(t)]
        foreign = [t for t in content if self._is_foreign(t)]
        party = bool(set(tokens) & set(INFRINGEMENTS)) and bool(_ASKER_PARTY.search(analysis.cleaned))
        return ScopeReading(tuple(dict.fromkeys(rights)), tuple(modifiers), tuple(foreign),
                            len(content) + len(rights) + len(modifiers), party)

    def _qualifies(self, token: str, following: str, analysis: Analysis) -> bool:
        """The right is typed straight before a word of another domain (商标贴纸, 商标标签, trademark labels). In
        Chinese a space in the cleaned text is punctuation (水产品商标，鳗鱼属于哪一类): no compound."""
        if not following or not (self._is_foreign(following) or following in self.lexicon.off_topic_words):
            return False
        if any(right.startswith(f"{token}{following}") for right in RIGHTS):
            return False  # a right typed short (专利密集 of 专利密集型产品), not a compound
        typed = analysis.cleaned
        return any(f"{surface}{following}" in typed or (not has_cjk(surface) and f"{surface} {following}" in typed)
                   for surface in self._surfaces.get(token, (token,)))

    def is_known(self, token: str) -> bool:
        """A word some knowledge text uses, or a place the service covers (建阳, 浦城)."""
        return token in self.known or canonical_county(token) is not None

    def _counts(self, token: str) -> bool:
        """A content word: two or more Chinese characters, or a Latin word of a few letters."""
        if token in self.lexicon.aspects:
            return False
        return len(token) >= 2 if has_cjk(token) else len(token) >= MIN_LATIN_WORD and token.isalpha()

    def _is_foreign(self, token: str) -> bool:
        """A word of another domain: no knowledge text uses it, and it names something — a Chinese word
        jieba's dictionary lists outside the general words (a word jieba does not list is mostly a
        segmentation slip: 这算, 提了), or a Latin word."""
        if not self._counts(token) or self.is_known(token):
            return False
        if not has_cjk(token):
            return True
        return self.frequency.get(token, 0) > 0 and token not in self.general


def _right_in(token: str) -> str:
    """The right a token names (商标 in 注册商标 or 商标纸), or ''."""
    return next((right for right in RIGHTS if right in token), "")


def _surfaces(kb: KnowledgeBase) -> dict[str, tuple[str, ...]]:
    """How each canonical word may have been typed: itself and its synonyms (商标: 牌子, trademark …)."""
    typed: dict[str, list[str]] = {}
    for variant, canonical in kb.lexicon.synonyms.items():
        typed.setdefault(canonical, [canonical]).append(variant)
    return {canonical: tuple(variants) for canonical, variants in typed.items()}


@cache
def general_words() -> frozenset[str]:
    """The words of jieba's dictionary that name no domain: once per process, read from the memo on disk
    (bot/language/memo.py) when this jieba version's dictionary was read before (reading it takes ~0.2 s)."""
    name = f"general-{language_memo.fingerprint(language_memo.versions('jieba'), _GENERAL_PATTERNS)}"
    stored = (language_memo.read(name) or {}).get("words")
    if isinstance(stored, list):
        return frozenset(map(str, stored))
    words = _general_words_in_dictionary()
    language_memo.write(name, {"words": sorted(words)})
    return words


def _general_words_in_dictionary() -> frozenset[str]:
    """The general words read off jieba's dictionary file."""
    with jieba.Tokenizer().get_dict_file() as file:
        text = file.read().decode("utf-8")
    return frozenset(_CLOSED_CLASSES.findall(text)) | frozenset(_COMMON_VERBS.findall(text))
