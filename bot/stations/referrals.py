"""Referrals: reading a "where do I go?" request and writing the station reply the Engine sends.

Intents: `where` (stations for the firm's county), `where:<entry id>` (for an answered entry),
`where:topic:<topic>` (for a topic, e.g. after Telegram's /station asked it)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from bot.common.vocab import (
    CITY,
    COUNTIES,
    INDUSTRIES,
    IP_TOPICS,
    canonical_county,
    county_in_text,
    industry_in_text,
)
from bot.i18n.texts import clause_separator, text, title
from bot.knowledge.base import Entry
from bot.stations.directory import CONTACT_FIELDS, Directory, Ranked, rank, types_for_topic

WHERE_INTENT = "where"
WHERE_PREFIX = WHERE_INTENT + ":"
WHERE_TOPIC_PREFIX = WHERE_PREFIX + "topic:"
SERVICE_STATION = "service_station"
ANY_TOPIC = "*"  # a channel's "any / other" answer to "what is it about?"
STATION_TOPICS = tuple(t for t in IP_TOPICS if t != SERVICE_STATION)  # what a channel asks /station about
CONTACT_LABELS = {"address": "label_address", "phone": "label_phone", "hours": "label_hours"}  # of CONTACT_FIELDS
VIA_QUESTION, VIA_CHOICE, VIA_LOCATION = "question", "choice", "location"

# 在哪 but not 现在哪个/存在哪些, 哪里 but not 范围是哪里; English words whole.
_WHERE = re.compile(
    r"去哪|(?<![现存实正所好])在哪(?!些)|(?<!是)哪[里儿]|哪个部门|哪个单位|附近|怎么联系|联系方式|当面|现场办"
    r"|\b(?:where|nearest|near me|contact)\b"
)
# 在哪/哪里 that asks no place: which class (在哪个类), what the difference is (区别在哪里), where to look
# something up online (在哪查, 哪里能查到, 哪个平台), where a product comes from (产地在哪), where a
# mark is printed (印在哪) or where to begin (从哪里开始维权).
_NOT_A_PLACE = re.compile(
    r"(?:区别|不同|差别|差异|好处|优势|难点)(?:主要)?在哪[里儿]?|在哪[一个]?类"
    r"|(?:在哪|哪[里儿])(?:能|可以)?(?:查|看|下载)|哪个(?:平台|网站|系统)|(?:产地|产区|印|标)在哪"
    r"|从哪[里儿]?(?:开始|入手|下手|着手)"
)
_STATION_WORDS = ("指导站", "受理窗口", "工作站", "服务站", "服务点", "站点", "窗口", "station", "window", "office")
_CONTACT_WORDS = ("地址", "电话", "address", "phone")
_INFRINGEMENT = ("侵权", "假冒", "仿冒", "山寨", "盗版", "infring", "counterfeit", "fake")
# Asking to complain names no IP matter by itself (食品安全去哪投诉, 被人打了去哪维权): a right, an
# infringement word or the last answer must; with one, the complaint channels answer it.
_COMPLAINT = ("投诉", "举报", "维权", "complain", "report")
# The subject a where-question names → its topic; the first match wins (商标被侵权 is enforcement).
_SUBJECTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("enforcement", (*_INFRINGEMENT, "维权援助")),
    ("copyright", ("版权", "著作权", "软著", "作品登记", "copyright")),
    ("geographical_indication", ("地理标志", "地标", "专用标志", "geographical indication", "gi logo")),
    ("trademark", ("商标", "品牌", "牌子", "trademark", "brand")),
    ("pledge_financing", ("质押", "贷款", "融资", "pledge", "loan")),
    ("open_license", ("开放许可", "open licen")),
    ("patent", ("专利", "patent")),
)
# IP named without a subject (知识产权去哪办): any IP station may serve it.
_GENERIC_IP = re.compile(r"知识产权|\bip\b|intellectual property")


@dataclass(frozen=True)
class StationRequest:
    """What a firm asked stations for; `question` is what a specialist gets if it is handed off."""

    topic: str | None
    station_types: tuple[str, ...]
    county: str | None = None
    industry: str | None = None
    park: str | None = None
    via: str = VIA_QUESTION
    intent: str = WHERE_INTENT
    entry: Entry | None = None
    question: str = ""
    answer_first: bool = False  # an answer or choices found go instead, the stations one tap away (where to complain)

    @property
    def reply_topic(self) -> str:
        """An answer's own button keeps the answer's topic; every other request is service_station."""
        return self.entry.topic if self.entry and self.via == VIA_CHOICE else SERVICE_STATION

    def rank(self, directory: Directory, limit: int) -> list[Ranked]:
        return rank(
            directory, topic=self.topic, station_types=self.station_types, county=self.county,
            industry=self.industry, park=self.park, limit=limit,
        )


def _profile(county: str | None, industry: str | None) -> tuple[str | None, str | None]:
    """A channel's county and industry as the directory knows them (邵武 → 邵武市; unknown → None)."""
    return (canonical_county(county) if county else None), (industry if industry in INDUSTRIES else None)


def is_where_intent(intent_id: str) -> bool:
    return intent_id == WHERE_INTENT or intent_id.startswith(WHERE_PREFIX)


def station_intent(topic: str) -> str:
    """The intent for the stations that serve `topic` (`where` for ANY_TOPIC)."""
    return WHERE_INTENT if topic == ANY_TOPIC else WHERE_TOPIC_PREFIX + topic


def asks_where(cleaned: str, names_place: bool = False) -> bool:
    """A question about where to go: 去哪办, 在哪, 附近, where …, or a kind of station named together
    with 地址/电话 or a place (光泽县有商标品牌指导站吗)."""
    if _WHERE.search(_NOT_A_PLACE.sub(" ", cleaned)):
        return True
    return names_station(cleaned) and (names_place or any(w in cleaned for w in _CONTACT_WORDS))


def names_station(cleaned: str) -> bool:
    """Whether the question names a kind of station (工作站, 指导站, 受理窗口 …)."""
    return any(w in cleaned for w in _STATION_WORDS)


def asks_to_complain(cleaned: str) -> bool:
    """Where to complain about infringement (侵权去哪投诉, 商标被仿冒找哪个部门), not for a kind of station
    (维权援助工作站在哪): the complaint channels (12315, the bureau, the court) answer it."""
    return any(w in cleaned for w in (*_INFRINGEMENT, *_COMPLAINT)) and not names_station(cleaned)


def subject_of(cleaned: str) -> str | None:
    """The IP topic a where-question names (商标去哪办 → trademark), or None."""
    for topic, words in _SUBJECTS:
        if any(word in cleaned for word in words):
            return topic
    return None


def request_from_question(
    question: str, cleaned: str, directory: Directory, *,
    county: str | None, industry: str | None, context: Entry | None,
) -> StationRequest | None:
    """A StationRequest when the (cleaned) question asks where to go for an IP matter, else None.

    It is an IP matter only when the question names an IP subject (商标, 专利, 知识产权 …) or follows an
    IP answer (`context`, whose subject it then takes: 我在浦城，去哪里办); words that IP questions
    merely use (注册, 证书, 材料) are not enough. County and industry named in the text win over the
    profile's. Where to complain (`asks_to_complain`): an answer found goes first, the stations one tap away."""
    named_county, in_park = county_in_text(cleaned), directory.park_in_text(cleaned)
    names_place = named_county in COUNTIES or in_park is not None
    if not directory or not asks_where(cleaned, names_place):
        return None
    topic = subject_of(cleaned)
    entry = context if topic is None and context and context.station_types else None
    if not (topic or entry or _GENERIC_IP.search(cleaned)):
        return None
    county, industry = _profile(county, industry)
    return StationRequest(
        topic=entry.topic if entry else topic,
        station_types=entry.station_types if entry else types_for_topic(topic),
        county=named_county or (in_park.county if in_park else None) or county,
        industry=industry_in_text(cleaned) or industry,
        park=in_park.park if in_park else None,
        entry=entry,
        question=question,
        answer_first=asks_to_complain(cleaned),
    )


def request_for_intent(
    intent_id: str, entries: Mapping[str, Entry], lang: str, *, county: str | None, industry: str | None,
) -> StationRequest | None:
    """The StationRequest of a pressed `where…` choice, or None when it names no known entry or topic."""
    entry, topic = None, None
    county, industry = _profile(county, industry)
    if intent_id.startswith(WHERE_TOPIC_PREFIX):
        topic = intent_id[len(WHERE_TOPIC_PREFIX):]
        if topic not in IP_TOPICS:
            return None
    elif intent_id.startswith(WHERE_PREFIX):
        entry = entries.get(intent_id[len(WHERE_PREFIX):])
        if entry is None or not entry.station_types:
            return None
        topic = entry.topic
    subject = entry.title_in(lang) if entry else _subject_title(topic, lang)
    return StationRequest(
        topic=topic,
        station_types=entry.station_types if entry else types_for_topic(topic),
        county=county, industry=industry, via=VIA_CHOICE, intent=intent_id, entry=entry,
        question=_where_question(subject, county, lang),
    )


def location_request(topic: str | None, county: str | None, lang: str) -> StationRequest:
    """A shared location: any kind of station unless a topic narrows it."""
    county = _profile(county, None)[0]
    return StationRequest(
        topic=topic, station_types=types_for_topic(topic) if topic else (), county=county, via=VIA_LOCATION,
        question=_where_question(_subject_title(topic, lang), county, lang),
    )


def _where_question(subject: str, county: str | None, lang: str) -> str:
    """The question a specialist gets when the firm hands a where-request off."""
    place = text("county_paren", lang, county=county) if county in COUNTIES else ""
    return text("where_question", lang, subject=subject, county=place)


# ---- the reply --------------------------------------------------------------------------------

def _subject_title(topic: str | None, lang: str) -> str:
    if topic in STATION_TOPICS:
        return title("topic", topic, lang)
    return text("stations_any_subject", lang)


def _intro(request: StationRequest, lang: str) -> str:
    if request.via == VIA_LOCATION:
        return text("stations_nearest", lang)
    place = text("stations_place", lang, county=request.county) if request.county in COUNTIES else ""
    return text("stations_intro", lang, place=place, subject=_subject_title(request.topic, lang))


def station_lines(ranked: Ranked, lang: str) -> list[str]:
    """One station as reply lines: name and kind, why, then address, phone and hours."""
    station = ranked.station
    kind = title("station_type", station.type, lang)
    header = text("station_header", lang, name=station.name, type=kind) if kind not in station.name else (
        text("station_header_plain", lang, name=station.name))
    lines = [header]
    if ranked.reasons:
        lines.append(text("station_reason", lang, reason=ranked.reason(lang)))
    missing = text("not_published", lang)
    if len(station.missing_contacts) == len(CONTACT_FIELDS):
        return lines + [text("station_contact", lang, label=text("label_contact", lang), value=missing)]
    return lines + [
        text("station_contact", lang, label=text(CONTACT_LABELS[name], lang), value=getattr(station, name) or missing)
        for name in CONTACT_FIELDS
    ]


def offers_handoff(ranked: list[Ranked]) -> bool:
    """Offer a specialist when nothing was found or a contact detail is not published."""
    return not ranked or any(r.station.missing_contacts for r in ranked)


def stations_text(ranked: list[Ranked], request: StationRequest, directory: Directory, lang: str) -> str:
    """The reply: the stations, who handles what is not published, the sample note, a county hint."""
    if not ranked:
        return text("stations_none_located" if request.via == VIA_LOCATION else "stations_none", lang)
    lines = [_intro(request, lang)]
    for item in ranked:
        lines += station_lines(item, lang)
    notes = []
    handlers = clause_separator(lang).join(_handlers(ranked, directory, lang))
    if handlers:
        notes.append(text("stations_contact_note", lang, handlers=handlers))
    if any(r.station.sample for r in ranked):
        notes.append(text("stations_sample_note", lang))
    county_helps = request.via != VIA_LOCATION and _has_local(directory, request.station_types)
    if request.county not in COUNTIES and county_helps:
        notes.append(text("stations_county_hint", lang))
    return "\n".join(lines) + ("\n\n" + "\n".join(notes) if notes else "")


def _handlers(ranked: list[Ranked], directory: Directory, lang: str) -> list[str]:
    """Who handles the stations whose contacts are not published, each body once (the fullest wording)."""
    names = dict.fromkeys(
        directory.handler(r.station.type, lang) for r in ranked if r.station.missing_contacts
    )
    return [n for n in names if n and not any(n != other and n in other for other in names)]


def _has_local(directory: Directory, station_types: tuple[str, ...]) -> bool:
    """Whether knowing the county could change the answer (some station of these types is local)."""
    return any(
        s.county != CITY and (not station_types or s.type in station_types) for s in directory.stations
    )


def referral_detail(ranked: Ranked, request: StationRequest, position: int) -> dict[str, Any]:
    """The JSON detail of one `referral` event (never the firm's position)."""
    station = ranked.station
    return {
        "station": station.id, "type": station.type, "county": station.county,
        "topic": request.topic or SERVICE_STATION, "rank": position, "via": request.via,
        "sample": station.sample,
    }
