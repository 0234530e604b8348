"""Fixed vocabularies shared by every issue: topics, station types, counties."""
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

STATION_TYPES: tuple[str, ...] = (
    "trademark_window",
    "trademark_brand_station",
    "zhichuang_workstation",
    "rights_protection",
    "copyright_service",
    "city_bureau",
)

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
_ALIASES_LONGEST_FIRST = sorted(_COUNTY_ALIASES, key=len, reverse=True)

TOPIC_TITLES: dict[str, tuple[str, str]] = {
    "trademark": ("商标", "Trademarks"),
    "pledge_financing": ("知识产权质押融资", "IP pledge financing"),
    "open_license": ("专利开放许可", "Open patent licensing"),
    "geographical_indication": ("地理标志", "Geographical indications"),
    "copyright": ("版权登记", "Copyright"),
    "patent": ("专利", "Patents"),
    "patent_dense_product": ("专利密集型产品", "Patent-dense products"),
    "insurance": ("知识产权保险", "IP insurance"),
    "enforcement": ("维权与执法", "Enforcement"),
    "service_station": ("服务站点", "Service stations"),
    "policy": ("政策与目标", "Policy"),
}


def county_in_text(text: str) -> str | None:
    """The official county name mentioned in `text` (short forms included), or None."""
    for alias in _ALIASES_LONGEST_FIRST:
        if alias in text:
            return _COUNTY_ALIASES[alias]
    return None


def canonical_county(value: str) -> str | None:
    """Map a county as typed (邵武, 邵武市, city) to its official name, or None if unknown."""
    value = value.strip()
    if value == CITY:
        return CITY
    return _COUNTY_ALIASES.get(value)
