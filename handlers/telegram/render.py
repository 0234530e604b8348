"""From Engine replies to Telegram messages: callback data, inline keyboards, HTML-escaped chunks."""
from __future__ import annotations

import hashlib
import html
import re
from typing import Iterable

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
)
from telegram import (
    Message as TgMessage,
)
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit, ParseMode

from bot.answering.ports import ANSWER, HANDOFF_INTENT, HANDOFF_PREFIX, TOPIC_PREFIX, Reply, handoff_intent
from bot.common.vocab import IP_TOPICS
from bot.i18n.texts import text as interface_text  # `text` names the message text below
from bot.i18n.texts import title
from bot.stations.referrals import WHERE_PREFIX, WHERE_TOPIC_PREFIX

MAX_CALLBACK_BYTES = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA  # 64
MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096

# Callback data prefixes. A pressed choice: a:<entry id> (also a:where:<entry id>, 去哪里办？), t:<topic>,
# ho (handoff; ho:<event id> for the question of that reply), or ah:<digest> when `a:<id>` would not fit in 64 bytes. Feedback: f:<event id>:u|d.
ENTRY, TOPIC, HANDOFF, HASHED = "a:", "t:", "ho", "ah:"
CHOICE_PATTERN = r"^(a:|t:|ah:|ho$|ho:\d+$)"
FEEDBACK = "f:"
FEEDBACK_PATTERN = r"^f:\d{1,18}:[ud]$"  # an event id that fits SQLite's INTEGER
FEEDBACK_CODES = {"u": "up", "d": "down"}  # callback code → feedback value
_DIGEST_CHARS = 24


def fits(data: str) -> bool:
    return 0 < len(data.encode()) <= MAX_CALLBACK_BYTES


def _digest(intent: str) -> str:
    return hashlib.sha256(intent.encode()).hexdigest()[:_DIGEST_CHARS]


def intent_data(intent: str) -> str:
    """Callback data for an Engine choice; a digest stands in for an intent too long to fit."""
    if intent == HANDOFF_INTENT:
        return HANDOFF
    if intent.startswith(HANDOFF_PREFIX):
        return f"{HANDOFF}:{intent[len(HANDOFF_PREFIX):]}"
    if intent.startswith(TOPIC_PREFIX):
        data = TOPIC + intent[len(TOPIC_PREFIX):]
    else:
        data = ENTRY + intent
    return data if fits(data) else HASHED + _digest(intent)


def intent_from(data: str, entry_ids: Iterable[str]) -> str | None:
    """The Engine intent behind callback data (None for a digest that matches nothing any more)."""
    if data == HANDOFF:
        return HANDOFF_INTENT
    if data.startswith(HANDOFF + ":"):
        return HANDOFF_PREFIX + data[len(HANDOFF) + 1:]
    if data.startswith(TOPIC):
        return TOPIC_PREFIX + data[len(TOPIC):]
    if data.startswith(ENTRY):
        return data[len(ENTRY):]
    if data.startswith(HASHED):
        wanted = data[len(HASHED):]
        entry_ids = list(entry_ids)
        candidates = [
            *entry_ids, *(WHERE_PREFIX + i for i in entry_ids),
            *(TOPIC_PREFIX + t for t in IP_TOPICS), *(WHERE_TOPIC_PREFIX + t for t in IP_TOPICS),
        ]
        return next((intent for intent in candidates if _digest(intent) == wanted), None)
    return None


def feedback_data(event_id: int, value: str) -> str:
    return f"{FEEDBACK}{event_id}:{value}"


def rows(buttons: list[InlineKeyboardButton], per_row: int = 1) -> list[list[InlineKeyboardButton]]:
    return [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]


def feedback_row(event_id: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton("👍", callback_data=feedback_data(event_id, "u")),
        InlineKeyboardButton("👎", callback_data=feedback_data(event_id, "d")),
    ]


def reply_markup(reply: Reply) -> InlineKeyboardMarkup | None:
    """Choices as buttons (topics two per row), and 👍 / 👎 under every answer."""
    topics = [c for c in reply.choices if c.intent.startswith(TOPIC_PREFIX)]
    others = [c for c in reply.choices if not c.intent.startswith(TOPIC_PREFIX)]
    keyboard = rows([InlineKeyboardButton(c.title, callback_data=intent_data(c.intent)) for c in topics], 2)
    keyboard += rows([InlineKeyboardButton(c.title, callback_data=intent_data(c.intent)) for c in others])
    if reply.decision == ANSWER and reply.event_id is not None:
        keyboard.append(feedback_row(reply.event_id))
    return InlineKeyboardMarkup(keyboard) if keyboard else None


def topic_keyboard(lang: str) -> InlineKeyboardMarkup:
    """The topic menu: one button per IP topic, two per row."""
    buttons = [InlineKeyboardButton(title("topic", t, lang), callback_data=intent_data(TOPIC_PREFIX + t))
               for t in IP_TOPICS]
    return InlineKeyboardMarkup(rows(buttons, 2))


def handoff_keyboard(lang: str, event_id: int | None = None) -> InlineKeyboardMarkup:
    """The one button 留给专员 (the Engine's handoff choice; with `event_id`, for that reply's question)."""
    label = interface_text("handoff_choice", lang)
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=intent_data(handoff_intent(event_id)))]])


def without_feedback(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The same keyboard minus its 👍 / 👎 row (after the user gave feedback)."""
    if markup is None:
        return None
    kept = [row for row in markup.inline_keyboard
            if not any(str(b.callback_data or "").startswith(FEEDBACK) for b in row)]
    return InlineKeyboardMarkup(kept) if kept else None


# ---- long texts -------------------------------------------------------------------------------

_SPLITS = (r"(?<=\n\n)", r"(?<=\n)", r"(?<=[。！？；.!?;])", r"(?<=[，, ])")


def _size(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units of the text after HTML parsing, i.e. of the plain
    text before it is escaped (&amp; counts as one character)."""
    return len(text.encode("utf-16-le")) // 2


def _hard_split(text: str, limit: int) -> list[str]:
    pieces, current, size = [], "", 0
    for char in text:
        if size + _size(char) > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += _size(char)
    return pieces + [current]


def _split(text: str, limit: int, level: int = 0) -> list[str]:
    """Pack the units of this level (paragraphs, lines, sentences …) greedily; sizes add up, since
    UTF-16 works character by character."""
    if _size(text) <= limit:
        return [text]
    if level == len(_SPLITS):
        return _hard_split(text, limit)
    pieces, current, size = [], "", 0
    for unit in re.split(_SPLITS[level], text):
        unit_size = _size(unit)
        if size + unit_size <= limit:
            current, size = current + unit, size + unit_size
            continue
        if current:
            pieces.append(current)
        if unit_size <= limit:
            current, size = unit, unit_size
        else:
            pieces += _split(unit, limit, level + 1)
            current, size = "", 0
    return pieces + ([current] if current else [])


def html_chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """The text HTML-escaped in messages under `limit`, cut at paragraph breaks first, then at
    line breaks, sentence ends, commas or spaces, and only as a last resort inside a word."""
    chunks = [piece.strip() for piece in _split(text, limit)]
    return [html.escape(chunk, quote=False) for chunk in chunks if chunk]


REPLY_RETRIES = 2  # a reply refused with 429 is sent again after Telegram's retry_after (AIORateLimiter)
# Queued deliveries (reminders, ticket notices) handle 429 themselves: the limiter's own default, no retry.
# (AIORateLimiter reads `rate_limit_args or max_retries`, so a per-call 0 cannot turn retries off.)
QUEUED = None


async def send_text(
    bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None, reply_to: int | None = None,
    retries: int | None = REPLY_RETRIES,
) -> TgMessage:
    """Send `text` as one or more HTML messages; the keyboard goes under the last one. Refused with 429,
    a message is sent again after the wait up to `retries` times (QUEUED: not at all)."""
    chunks = html_chunks(text) or ["…"]
    sent = None
    quote = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    for number, chunk in enumerate(chunks, start=1):
        sent = await bot.send_message(
            chat_id, chunk, parse_mode=ParseMode.HTML, reply_parameters=quote if number == 1 else None,
            reply_markup=markup if number == len(chunks) else None, rate_limit_args=retries,
        )
    return sent


async def send_reply(bot: Bot, chat_id: int, reply: Reply, reply_to: int | None = None) -> TgMessage:
    """An Engine reply with its buttons."""
    return await send_text(bot, chat_id, reply.text, reply_markup(reply), reply_to)


async def edit_text(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace the text (HTML-escaped) and keyboard of the message under a pressed button; a text too long
    for one message goes on in new messages below it, the keyboard under the last."""
    first, *rest = html_chunks(text) or ["…"]
    await query.edit_message_text(first, parse_mode=ParseMode.HTML, reply_markup=None if rest else markup)
    for number, chunk in enumerate(rest, start=1):
        await query.get_bot().send_message(
            query.message.chat.id, chunk, parse_mode=ParseMode.HTML,
            reply_markup=markup if number == len(rest) else None,
        )
