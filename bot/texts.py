"""Fixed interface strings of the assistant in Chinese and English."""
from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "fallback": {
        "zh": "抱歉，这个问题不在我能回答的知识产权范围内，我也不会猜测作答。"
        "您可以从下面的主题中选择，或回复「转人工」把问题留给知识产权专员。",
        "en": "Sorry, that is outside the IP questions I can answer, and I will not guess. "
        "Pick a topic below, or reply \"human\" to leave the question for an IP specialist.",
    },
    "clarify": {
        "zh": "您想问的是以下哪一个？",
        "en": "Which of these do you mean?",
    },
    "empty": {
        "zh": "请直接输入您的知识产权问题，例如「商标注册要多久」。",
        "en": "Please type your IP question, for example \"how long does trademark registration take\".",
    },
    "topic_menu": {
        "zh": "请选择您关心的问题：",
        "en": "Choose a question:",
    },
    "handoff_saved": {
        "zh": "已记录您的问题，知识产权专员会尽快答复。问题：{question}",
        "en": "Your question has been recorded for an IP specialist: {question}",
    },
    "handoff_nothing": {
        "zh": "请先输入您想问专员的问题，再回复「转人工」。",
        "en": "Please type the question for the specialist first, then reply \"human\".",
    },
    "basis": {
        "zh": "依据：{source} · 核对于{reviewed}",
        "en": "Basis: {source} · checked {reviewed}",
    },
    "follow_ups": {
        "zh": "您可能还想问：",
        "en": "You may also ask:",
    },
    "handoff_choice": {
        "zh": "留给专员",
        "en": "Ask a specialist",
    },
    # ---- service stations (bot/stations.py, bot/referrals.py) ----
    "where_choice": {
        "zh": "去哪里办？",
        "en": "Where do I go?",
    },
    "where_question": {
        "zh": "{subject}：去哪里办？{county}",
        "en": "{subject}: where do I go?{county}",
    },
    "county_paren": {
        "zh": "（{county}）",
        "en": " ({county})",
    },
    "stations_intro": {
        "zh": "{place}办理{subject}事项，可以找：",
        "en": "For {subject}{place}, you can go to:",
    },
    "stations_any_subject": {
        "zh": "知识产权",
        "en": "IP",
    },
    "stations_place": {
        "zh": "在{county}",
        "en": " in {county}",
    },
    "stations_nearest": {
        "zh": "离您最近的站点：",
        "en": "The stations nearest to you:",
    },
    "station_header": {
        "zh": "· {name}（{type}）",
        "en": "· {name} ({type})",
    },
    "station_header_plain": {
        "zh": "· {name}",
        "en": "· {name}",
    },
    "station_reason": {
        "zh": "  推荐理由：{reason}",
        "en": "  Why: {reason}",
    },
    "station_contact": {
        "zh": "  {label}：{value}",
        "en": "  {label}: {value}",
    },
    "label_address": {"zh": "地址", "en": "Address"},
    "label_phone": {"zh": "电话", "en": "Phone"},
    "label_hours": {"zh": "办公时间", "en": "Hours"},
    "label_contact": {"zh": "地址、电话、办公时间", "en": "Address, phone, hours"},
    "not_published": {
        "zh": "尚未公布",
        "en": "not published yet",
    },
    "stations_contact_note": {
        "zh": "部分联系方式尚未公布，可先向{handlers}咨询；也可以选择「留给专员」，由知识产权专员答复您。",
        "en": "Some contact details are not published yet: ask {handlers}, or choose \"Ask a specialist\" "
        "to leave the question for an IP specialist.",
    },
    "stations_sample_note": {
        "zh": "（以上为示例目录，站点名称与信息待市场监管部门核实后替换。）",
        "en": "(Sample directory: these entries are placeholders until the market-regulation bureau confirms them.)",
    },
    "stations_county_hint": {
        "zh": "告诉我您所在的县（市、区），例如「我在邵武，商标去哪办」，我可以推荐本地的站点。",
        "en": "Tell me your county (e.g. \"I am in Shaowu, where do I register a trademark\") for local stations.",
    },
    "stations_none": {
        "zh": "目录中暂时没有合适的站点。您可以选择「留给专员」，由知识产权专员答复您。",
        "en": "The directory has no suitable station yet. Choose \"Ask a specialist\" to leave the question "
        "for an IP specialist.",
    },
    "stations_none_located": {
        "zh": "目录中的站点还没有位置信息，暂时无法按距离推荐。请告诉我您所在的县（市、区）。",
        "en": "No station in the directory has a map position yet, so I cannot rank by distance. "
        "Tell me your county instead.",
    },
    "stations_bad_location": {
        "zh": "这个位置无法识别，请重新发送位置，或告诉我您所在的县（市、区）。",
        "en": "That location could not be read. Send it again, or tell me your county.",
    },
    "reason_topic": {
        "zh": "办理{topic}事项",
        "en": "handles {topic}",
    },
    "reason_same_county": {
        "zh": "位于{county}，与您同县（市、区）",
        "en": "in {county}, your county",
    },
    "reason_city_level": {
        "zh": "面向全市企业（市级或以上机构）",
        "en": "serves firms across Nanping (city-level or above)",
    },
    "reason_fallback": {
        "zh": "没有更合适的站点，由市级主管部门受理",
        "en": "no closer station of that kind: the city bureau handles it",
    },
    "reason_park": {
        "zh": "在您所在的{park}",
        "en": "in your park, {park}",
    },
    "reason_industry": {
        "zh": "服务{industry}企业",
        "en": "serves {industry} firms",
    },
    "reason_distance": {
        "zh": "距您约{km}公里",
        "en": "about {km} km from you",
    },
}


def text(key: str, lang: str, **values: str) -> str:
    """The string `key` in `lang` (zh when the language is unknown)."""
    variants = TEXTS[key]
    return variants.get(lang, variants["zh"]).format(**values)
