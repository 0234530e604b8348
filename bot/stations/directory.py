"""Service stations: the directory (knowledge/stations.yaml), its kb check, and ranking."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from bot.common.config import MAX_STATION_RESULTS
from bot.common.vocab import (
    CITY,
    COUNTIES,
    INDUSTRIES,
    IP_TOPICS,
    STATION_TYPES,
    canonical_county,
)
from bot.i18n.texts import LANGUAGES, clause_separator, text, title
from bot.knowledge.base import KnowledgeBase, Problem, read_yaml, valid_id

STATIONS_FILE = "stations.yaml"
EXTRA_KEY = "stations"  # where the loaded Directory lives in KnowledgeBase.extras
EARTH_RADIUS_KM = 6371.0088
CONTACT_FIELDS = ("address", "phone", "hours")
_REQUIRED = ("id", "name", "type", "county", "sample")
_OPTIONAL = ("park", "industries", "topics", *CONTACT_FIELDS, "lat", "lon")

GENERAL_TYPES = ("city_bureau", "zhichuang_workstation")
FALLBACK_TYPE = "city_bureau"
# Which kinds of station serve a question of each topic (the rest: GENERAL_TYPES).
TOPIC_STATION_TYPES: dict[str, tuple[str, ...]] = {
    "trademark": ("trademark_brand_station", "trademark_window"),
    "geographical_indication": ("trademark_brand_station", "city_bureau"),
    "copyright": ("copyright_service",),
    "enforcement": ("rights_protection", "city_bureau"),
}


@dataclass(frozen=True)
class Station:
    id: str
    name: str
    type: str
    county: str  # official county name, or `city` for bodies that serve the whole city
    sample: bool
    park: str = ""
    industries: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()  # empty: every topic of its type
    address: str = ""
    phone: str = ""
    hours: str = ""
    lat: float | None = None
    lon: float | None = None

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def missing_contacts(self) -> tuple[str, ...]:
        return tuple(name for name in CONTACT_FIELDS if not getattr(self, name))

    def handles(self, topic: str | None) -> bool:
        return topic is None or not self.topics or topic in self.topics


@dataclass(frozen=True)
class Directory:
    stations: tuple[Station, ...] = ()
    handled_by: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # type -> {zh, en}

    def __bool__(self) -> bool:
        return bool(self.stations)

    @property
    def has_positions(self) -> bool:
        """Whether any station has coordinates (a shared location can be ranked by distance)."""
        return any(s.located for s in self.stations)

    def handler(self, station_type: str, lang: str) -> str:
        """The body that handles a station type's matters (named when contacts are not published)."""
        names = self.handled_by.get(station_type, {})
        return names.get(lang) or names.get("zh", "")

    def park_in_text(self, question: str) -> Station | None:
        """A station in the park a question names (邵武金塘工业园, or without the county: 金塘工业园)."""
        for station in self.stations:
            if station.park and any(alias in question for alias in _park_aliases(station)):
                return station
        return None


_GENERIC_PARK_WORDS = ("工业园区", "工业园", "经济开发区", "开发区", "产业园", "产业组团", "园区")


def _park_aliases(station: Station) -> tuple[str, ...]:
    """The park's name, and without its county when a distinctive part remains (金塘工业园, not 工业园)."""
    short = station.county[:-1] if station.county.endswith(("区", "市", "县")) else station.county
    rest = station.park[len(short):] if station.park.startswith(short) else ""
    generic = next((w for w in _GENERIC_PARK_WORDS if rest.endswith(w)), "")
    return (station.park, rest) if len(rest) - len(generic) >= 2 else (station.park,)


def stations_of(kb: KnowledgeBase) -> Directory:
    """The directory loaded with `kb` (empty when the knowledge base has no stations file)."""
    return kb.extras.get(EXTRA_KEY) or Directory()


# ---- reading and checking ----------------------------------------------------------------------

def valid_coordinates(lat: object, lon: object) -> bool:
    """Both are numbers within -90..90 (latitude) and -180..180 (longitude)."""
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lat, lon))
    return numbers and -90 <= lat <= 90 and -180 <= lon <= 180  # type: ignore[operator]


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _vocabulary_problems(raw: dict, where: str, sid: str) -> list[Problem]:
    problems = []
    if raw.get("type") not in STATION_TYPES:
        problems.append(Problem(where, sid, "type", f"unknown station type '{raw.get('type')}'"))
    county = raw.get("county")
    if not isinstance(county, str) or county not in (*COUNTIES, CITY):
        official = canonical_county(county) if isinstance(county, str) else None
        hint = f" (write {official})" if official else f" (one of {', '.join(COUNTIES)}, {CITY})"
        problems.append(Problem(where, sid, "county", f"unknown county '{county}'{hint}"))
    for name, singular, known in (("industries", "industry", INDUSTRIES), ("topics", "topic", IP_TOPICS)):
        value = raw.get(name) or []
        if not _strings(value):
            problems.append(Problem(where, sid, name, "must be a list of strings"))
            continue
        problems += [Problem(where, sid, name, f"unknown {singular} '{v}'") for v in value if v not in known]
    return problems


def _field_problems(raw: dict, where: str, sid: str) -> list[Problem]:
    known = _REQUIRED + _OPTIONAL
    problems = [Problem(where, sid, name, "unknown field") for name in raw if name not in known]
    if not valid_id(raw.get("id")):
        problems.append(Problem(where, sid, "id", "missing, or not lower-case letters, digits and _"))
    if not isinstance(raw.get("name"), str) or not raw["name"].strip():
        problems.append(Problem(where, sid, "name", "missing"))
    if not isinstance(raw.get("sample"), bool):
        problems.append(
            Problem(where, sid, "sample", "missing or not true/false (true until the bureau confirms)")
        )
    for name in ("park", *CONTACT_FIELDS):
        if raw.get(name) is not None and not isinstance(raw[name], (str, int)):
            problems.append(Problem(where, sid, name, "must be text"))
    lat, lon = raw.get("lat"), raw.get("lon")
    if (lat is None) != (lon is None):
        problems.append(Problem(where, sid, "lat/lon", "give both or neither"))
    elif lat is not None and not valid_coordinates(lat, lon):
        problems.append(Problem(where, sid, "lat/lon", f"out of range or not numbers: {lat}, {lon}"))
    return problems


def _station(raw: dict) -> Station:
    def textual(name: str) -> str:
        return str(raw.get(name) or "").strip()

    lat, lon = raw.get("lat"), raw.get("lon")
    return Station(
        id=raw["id"], name=raw["name"].strip(), type=raw["type"], county=raw["county"], sample=raw["sample"],
        park=textual("park"), industries=tuple(raw.get("industries") or ()),
        topics=tuple(raw.get("topics") or ()),
        address=textual("address"), phone=textual("phone"), hours=textual("hours"),
        lat=float(lat) if lat is not None else None, lon=float(lon) if lon is not None else None,
    )


def _read_stations(raws: Any, where: str) -> tuple[list[Station], list[Problem]]:
    if not isinstance(raws, list):
        return [], [Problem(where, "", "stations", "must be a list of stations")]
    stations: list[Station] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, raw in enumerate(raws):
        if not isinstance(raw, dict):
            problems.append(Problem(where, f"#{index + 1}", "station", "not a mapping"))
            continue
        sid = str(raw.get("id") or f"#{index + 1}")
        found = _field_problems(raw, where, sid) + _vocabulary_problems(raw, where, sid)
        if sid in seen:
            found.append(Problem(where, sid, "id", "duplicate id"))
        seen.add(sid)
        problems += found
        if not found:
            station = _station(raw)
            stations.append(station)
            if station.missing_contacts:
                problems.append(Problem(
                    where, sid, "contact", f"{', '.join(station.missing_contacts)} not published "
                    "(the bot says so and names the body that handles it)", severity="warning",
                ))
    return stations, problems


def _read_handlers(raw: Any, where: str, used_types: set[str]) -> tuple[dict, list[Problem]]:
    if not isinstance(raw, dict):
        return {}, [Problem(where, "", "handled_by", "must map each station type to {zh, en}")]
    problems = [
        Problem(where, "handled_by", str(t), "unknown station type") for t in raw if t not in STATION_TYPES
    ]
    for station_type, names in raw.items():
        if not isinstance(names, dict) or not all(isinstance(names.get(k), str) and names[k] for k in LANGUAGES):
            problems.append(Problem(where, "handled_by", str(station_type), "needs zh and en names"))
    problems += [Problem(where, "handled_by", t, "missing: name who handles this type")
                 for t in sorted(used_types - set(raw))]
    return raw, problems


def read_directory(root: Path) -> tuple[Directory | None, list[Problem]]:
    """knowledge/stations.yaml as a Directory (None when it has errors or does not exist)."""
    path = root / STATIONS_FILE
    where = f"{root.name}/{STATIONS_FILE}"
    if not path.exists():
        return None, []
    data, problems = read_yaml(path, root)
    if problems:
        return None, problems
    if not isinstance(data, dict) or "stations" not in data:
        return None, [Problem(where, "", "file", "must be a mapping with `handled_by` and `stations`")]
    stations, problems = _read_stations(data["stations"], where)
    handled_by, handler_problems = _read_handlers(data.get("handled_by"), where, {s.type for s in stations})
    problems += handler_problems
    if any(p.severity == "error" for p in problems):
        return None, problems
    return Directory(tuple(stations), handled_by), problems


def check_stations(root: Path, kb: KnowledgeBase) -> list[Problem]:
    """kb check rule: validate the stations file and, when it is sound, attach it to `kb`."""
    directory, problems = read_directory(root)
    if directory is not None:
        kb.extras[EXTRA_KEY] = directory
    return problems


# ---- ranking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """Why a station was chosen: a message and the one value it names (`name`), which is shown by its
    title when it is a code of the vocabulary `kind` (a topic, an industry)."""

    key: str
    name: str = ""
    value: str = ""
    kind: str = ""

    def said(self, lang: str) -> str:
        if not self.name:
            return text(self.key, lang)
        shown = title(self.kind, self.value, lang) if self.kind else self.value
        return text(self.key, lang, **{self.name: shown})


@dataclass(frozen=True)
class Ranked:
    """A station chosen for a firm, with why."""

    station: Station
    reasons: tuple[Reason, ...]
    distance_km: float | None = None

    def reason(self, lang: str) -> str:
        return clause_separator(lang).join(r.said(lang) for r in self.reasons)


def types_for_topic(topic: str | None) -> tuple[str, ...]:
    return TOPIC_STATION_TYPES.get(topic or "", GENERAL_TYPES)


def rank(
    directory: Directory,
    *,
    topic: str | None = None,
    station_types: tuple[str, ...] = (),
    county: str | None = None,
    industry: str | None = None,
    park: str | None = None,
    limit: int = MAX_STATION_RESULTS,
) -> list[Ranked]:
    """At most `limit` stations: same county first, then park and industry fit, then city-level.

    Only stations of the wanted types are considered (from the entry, else from the topic); without a
    known county only city-level ones; when none fits, the city bureau."""
    types = tuple(station_types) or types_for_topic(topic)
    home = county if county in COUNTIES else None
    pool = _candidates(directory, types, topic, home)
    fallback = not pool
    if fallback:
        pool = [s for s in directory.stations if s.type == FALLBACK_TYPE]

    def order(station: Station) -> tuple:
        return (
            station.county != home,
            not (park and station.park == park),
            not (industry and industry in station.industries),
            types.index(station.type) if station.type in types else len(types),
            station.id,
        )

    chosen = sorted(pool, key=order)[:limit]
    return [Ranked(s, _reasons(s, topic, industry, park, fallback)) for s in chosen]


def _candidates(
    directory: Directory, types: tuple[str, ...], topic: str | None, home: str | None
) -> list[Station]:
    reachable = {home, CITY} if home else {CITY}
    of_type = [s for s in directory.stations if s.type in types and s.county in reachable]
    handling = [s for s in of_type if s.handles(topic)]
    return handling or of_type


def _reasons(
    station: Station, topic: str | None, industry: str | None, park: str | None, fallback: bool
) -> tuple[Reason, ...]:
    reasons = []
    if topic in IP_TOPICS and topic in station.topics:
        reasons.append(Reason("reason_topic", "topic", topic, "topic"))
    if fallback:
        reasons.append(Reason("reason_fallback"))
    elif station.county == CITY:
        reasons.append(Reason("reason_city_level"))
    else:
        reasons.append(Reason("reason_same_county", "county", station.county))
    if park and station.park == park:
        reasons.append(Reason("reason_park", "park", park))
    if industry and industry in station.industries:
        reasons.append(Reason("reason_industry", "industry", industry, "industry"))
    return tuple(reasons)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def nearest(
    directory: Directory, lat: float, lon: float, *,
    station_types: tuple[str, ...] = (), limit: int = MAX_STATION_RESULTS,
) -> list[Ranked]:
    """The `limit` stations closest to (lat, lon); stations without coordinates are skipped."""
    if not valid_coordinates(lat, lon):
        raise ValueError(f"not a position: {lat}, {lon}")
    located = [s for s in directory.stations if s.located and (not station_types or s.type in station_types)]
    distances = sorted(
        (haversine_km(lat, lon, s.lat, s.lon), s.id, s) for s in located  # type: ignore[arg-type]
    )
    return [
        Ranked(s, (Reason("reason_distance", "km", _km(d)),), round(d, 1))
        for d, _, s in distances[:limit]
    ]


def _km(distance: float) -> str:
    return f"{distance:.1f}" if distance < 10 else f"{distance:.0f}"
