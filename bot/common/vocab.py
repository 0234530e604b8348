"""Fixed vocabularies shared by every issue: topics, station types, counties (what each code is called
in Chinese and English: titles.yaml beside this file, read by bot.i18n.texts.title)."""
from __future__ import annotations

IP_TOPICS: tuple[str, ...] = (
    "trademark",
    "pledge_financing",
    "open_license",
    "geographical_indication",
    "copyright",
    "patent",
    "patent_dense_product",
    "insurance",
    "enforcement",
    "service_station",
    "policy",
)
SMALLTALK = "smalltalk"
OUT_OF_SCOPE = "out_of_scope"
TOPICS: tuple[str, ...] = IP_TOPICS + (SMALLTALK,)
# IP verbs that typo repair may write besides the domain words of knowledge/synonyms.yaml (商标主册 → 注册).
IP_VERBS: tuple[str, ...] = ("注册", "申请", "登记")

STATION_TYPES: tuple[str, ...] = (
    "trademark_window",
    "trademark_brand_station",
    "zhichuang_workstation",
    "rights_protection",
    "copyright_service",
    "city_bureau",
)

# A firm's industry (the `firms.industry` column); words that name it in a question.
INDUSTRIES: tuple[str, ...] = ("tea", "bamboo", "jian_ware", "food", "aquaculture", "other")
_INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    "jian_ware": ("建盏", "建窑", "jian ware", "jianzhan"),
    "tea": ("茶", "tea"),
    "bamboo": ("竹", "bamboo"),
    "aquaculture": ("水产", "养殖", "鱼", "aquaculture", "fish"),
    "food": ("食品", "food"),
}

CITY = "city"
COUNTIES: tuple[str, ...] = (
    "延平区",
    "建阳区",
    "邵武市",
    "武夷山市",
    "建瓯市",
    "顺昌县",
    "浦城县",
    "光泽县",
    "松溪县",
    "政和县",
    "武夷新区",
)

# Short forms as people write them; the longest match wins (武夷新区 before 武夷山).
_COUNTY_ALIASES: dict[str, str] = {name: name for name in COUNTIES}
_COUNTY_ALIASES.update({name[:-1]: name for name in COUNTIES if name[-1] in "区市县"})
_COUNTY_ALIASES.update({"南平市": CITY, "南平": CITY})
# Pinyin names as English speakers write them (matched in lower case).
_COUNTY_ALIASES.update({
    "yanping": "延平区", "jianyang": "建阳区", "shaowu": "邵武市", "wuyishan": "武夷山市",
    "wuyi mountain": "武夷山市", "jian'ou": "建瓯市", "jianou": "建瓯市", "shunchang": "顺昌县",
    "pucheng": "浦城县", "guangze": "光泽县", "songxi": "松溪县", "zhenghe": "政和县",
    "wuyi new area": "武夷新区", "wuyi new district": "武夷新区", "nanping": CITY,
})
_ALIASES_LONGEST_FIRST = sorted(_COUNTY_ALIASES, key=len, reverse=True)


def county_in_text(text: str) -> str | None:
    """The official county name mentioned in `text` (short forms included), or None."""
    text = text.lower()
    for alias in _ALIASES_LONGEST_FIRST:
        if alias in text:
            return _COUNTY_ALIASES[alias]
    return None


def canonical_county(value: str) -> str | None:
    """Map a county as typed (邵武, 邵武市, city) to its official name, or None if unknown."""
    value = value.strip().lower()
    if value == CITY:
        return CITY
    return _COUNTY_ALIASES.get(value)


def industry_in_text(text: str) -> str | None:
    """The industry a question names (我们是做茶叶的 → tea), or None."""
    text = text.lower()
    for industry, words in _INDUSTRY_WORDS.items():
        if any(word in text for word in words):
            return industry
    return None

# A firm's own deadlines (bot/reach/deadlines.py; config.yaml reminders.deadline_months_before).
TRADEMARK, PATENT_FEE, PLEDGE_LOAN = "trademark", "patent_fee", "pledge_loan"
DEADLINE_KINDS: tuple[str, ...] = (TRADEMARK, PATENT_FEE, PLEDGE_LOAN)
