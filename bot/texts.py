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
    # Specialist commands (bot/admin.py), the same on every channel.
    "not_allowed": {
        "zh": "此命令仅限知识产权专员使用。",
        "en": "This command is for IP specialists only.",
    },
    "reload_done": {
        "zh": "知识库已重新加载：{entries} 条问答，{warnings} 条提醒。",
        "en": "Knowledge base reloaded: {entries} entries, {warnings} warning(s).",
    },
    "reload_refused": {
        "zh": "知识库有 {errors} 处错误，未重新加载，继续使用当前知识库：",
        "en": "The knowledge base has {errors} error(s); not reloaded, the current one stays in use:",
    },
    "more_problems": {
        "zh": "……另有 {count} 处（运行 python run_bot.py kb check 查看全部）",
        "en": "… and {count} more (run python run_bot.py kb check for all)",
    },
    "stats_header": {
        "zh": "今日（{day}）使用统计，不含内部流量：",
        "en": "Today ({day}), internal traffic excluded:",
    },
    "stats_empty": {
        "zh": "今日（{day}）暂无使用记录（不含内部流量）。",
        "en": "No use recorded today ({day}), internal traffic excluded.",
    },
    "stats_total": {
        "zh": "合计 {total}",
        "en": "Total {total}",
    },
    # Text channels without buttons (WeCom): numbered choices and +/- feedback.
    "reply_number": {
        "zh": "回复 {numbers} 选择",
        "en": "Reply {numbers} to choose",
    },
    "rate_answer": {
        "zh": "回复 + 或 - 评价这个回答",
        "en": "Reply + or - to rate this answer",
    },
    "feedback_thanks": {
        "zh": "谢谢您的评价！",
        "en": "Thank you for your feedback!",
    },
    "text_only": {
        "zh": "目前只能回答文字问题，请用文字输入您的问题，例如「商标注册要多久」。",
        "en": "I can only answer text for now; please type your question, for example \"how long does trademark registration take\".",
    },
    "welcome": {
        "zh": "您好，我是知创助手，解答商标、专利、质押融资等知识产权问题。请直接输入您的问题。",
        "en": "Hello, I am 知创助手: I answer IP questions (trademarks, patents, pledge loans …). Type your question.",
    },
    "error_reply": {
        "zh": "抱歉，系统暂时出错，请稍后再试。",
        "en": "Sorry, something went wrong on our side; please try again later.",
    },
}


def text(key: str, lang: str, **values: str) -> str:
    """The string `key` in `lang` (zh when the language is unknown)."""
    variants = TEXTS[key]
    return variants.get(lang, variants["zh"]).format(**values)
