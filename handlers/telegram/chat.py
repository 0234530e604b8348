"""Questions: free text to the Engine, pressed choices, 👍 / 👎 feedback, and non-text messages."""
from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.answering.feedback import already_rated, own_answer
from bot.i18n.texts import text
from bot.storage.events import FEEDBACK_KIND
from handlers.telegram.context import (
    CHANNEL,
    engine_message,
    firm_key,
    is_private,
    language_of,
    services,
    without_mention,
)
from handlers.telegram.render import (
    CHOICE_PATTERN,
    FEEDBACK_CODES,
    FEEDBACK_PATTERN,
    handoff_keyboard,
    intent_from,
    send_reply,
    send_text,
    without_feedback,
)


def _quote(update: Update) -> int | None:
    """In a group, answer as a reply to the asker's message."""
    return None if is_private(update) else update.effective_message.message_id


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A question: the Engine answers, clarifies or falls back; choices become buttons."""
    svc = services(context)
    question = without_mention(update.message.text, context.bot)
    if not question:
        await _say(update, context, "empty")
        return
    reply = svc.engine.handle(engine_message(svc, update, question))
    await send_reply(context.bot, update.effective_chat.id, reply, reply_to=_quote(update))


async def on_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A pressed choice or follow-up button: the Engine answers that entry, topic menu or handoff."""
    svc, query = services(context), update.callback_query
    await query.answer()
    # A digest whose entry is gone (after a /reload) is passed on as is: the Engine falls back.
    intent = intent_from(query.data, svc.engine.kb.entries) or query.data
    reply = svc.engine.answer_intent(intent, engine_message(svc, update, ""))
    await send_reply(context.bot, update.effective_chat.id, reply)


async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """👍 / 👎 under an answer, from the user it was given to: recorded once as a feedback event about that
    answer; the buttons go. After 👎 the question can be left for a specialist. Anyone else is refused."""
    svc, query = services(context), update.callback_query
    _, event_id, value = query.data.split(":")
    lang, user = language_of(svc, update), svc.engine.events.user(CHANNEL, str(update.effective_user.id))
    answered = own_answer(svc.engine.db, int(event_id), user)
    if answered is None:
        await query.answer(text("feedback_not_yours", lang))
        return
    first = not already_rated(svc.engine.db, answered["id"], user)
    if first:
        svc.engine.record_event(
            FEEDBACK_KIND, engine_message(svc, update, ""), reply_to=answered["id"],
            topic=answered["topic"], intent=answered["intent"], detail={"value": FEEDBACK_CODES[value]},
        )
    await query.answer(text("feedback_thanks", lang))
    await query.edit_message_reply_markup(without_feedback(query.message.reply_markup))
    if first and FEEDBACK_CODES[value] == "down":
        await send_text(context.bot, update.effective_chat.id, text("ticket_offer_handoff", lang),
                        handoff_keyboard(lang, answered["id"]))


async def _say(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str) -> None:
    """Answer with a fixed text in the user's language (quoted in groups)."""
    message = text(key, language_of(services(context), update))
    await send_text(context.bot, update.effective_chat.id, message, reply_to=_quote(update))


async def on_other_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo, sticker, voice, file …: say that only text is read."""
    await _say(update, context, "media_unsupported")


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _say(update, context, "unknown_command")


async def on_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A user blocked (or unblocked) the bot in a private chat: the profile turns (in)active."""
    svc, change = services(context), update.my_chat_member
    if not is_private(update) or svc.profiles.get(firm_key(svc, update)) is None:
        return
    active = change.new_chat_member.status not in (ChatMember.BANNED, ChatMember.LEFT)
    svc.profiles.update(firm_key(svc, update), svc.clock.now(), active=int(active))


def handlers() -> list[BaseHandler]:
    messages = filters.UpdateType.MESSAGE
    return [
        CallbackQueryHandler(on_choice, pattern=CHOICE_PATTERN),
        CallbackQueryHandler(on_feedback, pattern=FEEDBACK_PATTERN),
        MessageHandler(messages & filters.TEXT & ~filters.COMMAND, on_text),
        MessageHandler(messages & filters.COMMAND & filters.ChatType.PRIVATE, on_unknown_command),
        MessageHandler(messages & ~filters.TEXT & ~filters.StatusUpdate.ALL, on_other_message),
        ChatMemberHandler(on_membership, ChatMemberHandler.MY_CHAT_MEMBER),
    ]
