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
    # /stats and /gaps (bot/report.py formats them; a satisfaction figure always carries its response rate)
    "stats_summary": {
        "zh": "📊 {start} 至 {end}\n提问 {questions}：已回答 {answer}，需澄清 {clarify}（其中 {resolved} 个经选择解决），"
        "未能回答 {fallback}\n满意度：{satisfaction}\n转介 {referrals} · 活跃企业 {firms} · 新订阅 {subscribers}",
        "en": "📊 {start} to {end}\nQuestions {questions}: answered {answer}, clarified {clarify} "
        "({resolved} resolved by a choice), fallback {fallback}\nSatisfaction: {satisfaction}\n"
        "Referrals {referrals} · active firms {firms} · new subscribers {subscribers}",
    },
    "stats_satisfaction": {
        "zh": "👍 {up} · 👎 {down}，满意 {approval}（评价率 {rate}：{answers} 个回答中 {rated} 个有评价）",
        "en": "👍 {up} · 👎 {down}, {approval} approval "
        "({rate} response rate: {rated} of {answers} answers rated)",
    },
    "stats_unrated": {
        "zh": "暂无评价（{answers} 个回答中 0 个有评价）",
        "en": "no ratings yet (0 of {answers} answers rated)",
    },
    "stats_empty": {
        "zh": "📊 {start} 至 {end}：本期间没有提问或转介记录。",
        "en": "📊 {start} to {end}: no questions or referrals in this period.",
    },
    "not_available": {
        "zh": "暂无",
        "en": "n/a",
    },
    "gaps_title": {
        "zh": "知识缺口（{start} 至 {end}，未能回答和被👎最多的问题）：",
        "en": "Knowledge gaps ({start} to {end}: the questions most often unanswered or rated 👎):",
    },
    "gaps_line": {
        "zh": "{rank}. {example} — {count} 次（未能回答 {fallback}，👎 {down}）{variants}",
        "en": "{rank}. {example} — {count} times (fallback {fallback}, 👎 {down}){variants}",
    },
    "gaps_variants": {
        "zh": "，另有 {n} 种相近问法",
        "en": ", {n} similar phrasings",
    },
    "gaps_none": {
        "zh": "{start} 至 {end} 没有未能回答或被👎的问题。",
        "en": "No unanswered or 👎 questions from {start} to {end}.",
    },
}


def text(key: str, lang: str, **values: str) -> str:
    """The string `key` in `lang` (zh when the language is unknown)."""
    variants = TEXTS[key]
    return variants.get(lang, variants["zh"]).format(**values)
