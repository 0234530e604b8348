"""Human handoff in Telegram: the buttons, reply-to answers and the delivery of ticket notices.

- A specialist gets each offer with a 认领 button (`tk:c:<id>`); the first press claims the ticket and
  turns that message into the claimer's view (with 关闭工单, `tk:x:<id>`); the others' offers are edited
  to "claimed by another specialist". Replying to a ticket message answers the firm.
- The firm gets the answer with ✅ 已解决 (`tk:x:<id>`); replying to it (or 「回复专员 …」) goes back to
  the specialist. Ordinary messages still reach the Engine: only replies to ticket messages and the
  回复专员 words are taken here, in a handler group that runs before the features.
- /claim /reply /close /draft /tickets are specialist commands (bot/specialist_commands.py); a firm's /close closes
  its own ticket.
- Notices for Telegram go through the delivery service (bot/handoff/notices.py): after every update
  (handler group FLUSH_GROUP) it is woken, and its loop, started in post_init, sends them within
  Telegram's limits and runs the desk's check that escalates overdue tickets.
"""
from __future__ import annotations

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.common.settings_handoff import Staff
from bot.handoff.desk import STAFF_LANGUAGE, TicketDesk
from bot.handoff.tickets import ANSWER, ESCALATED, OFFER, TAKEN, WITHDRAWN, Notice
from bot.i18n.texts import text
from handlers.telegram.context import CHANNEL, is_specialist, services
from handlers.telegram.render import QUEUED, edit_text, html_chunks, send_text
from handlers.telegram.sender import delivery_errors

CLAIM, CLOSE = "tk:c:", "tk:x:"
BUTTON_PATTERN = r"^tk:[cx]:\d+$"
INTERCEPT_GROUP = -1  # after the gate (-2), before the features (0)
FLUSH_GROUP = 1  # after the features


# ---- delivery -----------------------------------------------------------------------------------


def _button(label_key: str, lang: str, data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text(label_key, lang), callback_data=data)]])


class TelegramCourier:
    """Sends ticket notices to Telegram chats with their buttons; "taken" and "withdrawn" edit the offers
    (bot/handoff/notices.py `Courier`)."""

    channel = CHANNEL

    def __init__(self, bot: Bot, desk: TicketDesk) -> None:
        self.bot, self.desk = bot, desk

    async def deliver(self, notice: Notice, said: str) -> str | None:
        with delivery_errors():
            if notice.kind in (TAKEN, WITHDRAWN):
                offers = self.desk.tickets.offer_messages(notice.ticket_id, CHANNEL, notice.chat_id)
                for message_id in offers:
                    await self.bot.edit_message_text(html_chunks(said)[0], int(notice.chat_id), int(message_id),
                                                     parse_mode=ParseMode.HTML)
                if offers:
                    return None
            sent = await send_text(self.bot, int(notice.chat_id), said, self._markup(notice),
                                   retries=QUEUED)
            return str(sent.message_id)

    def _markup(self, notice: Notice) -> InlineKeyboardMarkup | None:
        ticket_id = str(notice.ticket_id)
        if notice.kind in (OFFER, ESCALATED):
            return _button("ticket_claim_button", STAFF_LANGUAGE, CLAIM + ticket_id)
        if notice.kind == ANSWER:
            lang = self.desk.tickets.get(notice.ticket_id).language
            return _button("ticket_resolved_button", lang, CLOSE + ticket_id)
        return None


async def deliver_notices(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """After every update: what it queued (answers, offers, edits) goes now."""
    await services(context).delivery.flush()


# ---- firms' and specialists' messages -----------------------------------------------------------


async def intercept(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reply to a ticket message, or 「回复专员 …」: to the ticket. Anything else goes on to the features."""
    svc, message = services(context), update.message
    user_id, chat_id = str(update.effective_user.id), str(update.effective_chat.id)
    done = None
    if message.reply_to_message is not None:
        done = svc.desk.reply_to_message(CHANNEL, chat_id, str(message.reply_to_message.message_id), user_id,
                                         message.text, specialist=is_specialist(svc, update))
    if done is None:
        done = svc.desk.firm_text(CHANNEL, user_id, message.text)
    if done is None:
        return
    await send_text(context.bot, update.effective_chat.id, done.text)
    await svc.delivery.flush()
    raise ApplicationHandlerStop


async def on_ticket_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """认领 (specialists) and 关闭工单 / ✅ 已解决 (either side)."""
    svc, query = services(context), update.callback_query
    ticket_id = int(query.data.rsplit(":", 1)[1])
    user_id, specialist = str(update.effective_user.id), is_specialist(svc, update)
    if query.data.startswith(CLAIM):
        if not specialist:
            await query.answer(text("not_allowed", STAFF_LANGUAGE), show_alert=True)
            return
        await _claim(update, context, ticket_id)
        return
    staff = Staff(CHANNEL, user_id)
    done = svc.desk.close_by_staff(staff, ticket_id) if specialist else svc.desk.firm_close(CHANNEL, user_id, ticket_id)
    await query.answer()
    await query.edit_message_reply_markup(None)
    await send_text(context.bot, update.effective_chat.id, done.text)


async def _claim(update: Update, context: ContextTypes.DEFAULT_TYPE, ticket_id: int) -> None:
    """The first press claims: the message becomes the claimer's view; a late press sees it taken."""
    svc, query = services(context), update.callback_query
    done = svc.desk.claim(Staff(CHANNEL, str(update.effective_user.id)), ticket_id)
    await query.answer(None if done.ok else done.text)
    markup = _button("ticket_close_button", STAFF_LANGUAGE, CLOSE + str(ticket_id)) if done.ok else None
    await edit_text(query, done.text, markup)


def handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(on_ticket_button, pattern=BUTTON_PATTERN)]


def intercept_handlers() -> list[BaseHandler]:
    messages = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
    return [MessageHandler(messages, intercept)]


def flush_handlers() -> list[BaseHandler]:
    return [TypeHandler(Update, deliver_notices)]

