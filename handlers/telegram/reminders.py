"""Reminders in Telegram: the specialists' /broadcast flow (compose → audience → time → preview with the
exact recipient count → confirm or cancel) and the firms' /deadline and /mydeadlines.

/reminders and /cancel_reminder are specialist commands shared with WeCom (bot/specialist_commands.py). The flow is a
python-telegram-bot ConversationHandler; its draft lives in the specialist's user_data until confirmed,
cancelled or left alone for DRAFT_TIMEOUT. Nothing is scheduled without the confirm, so a restart just
discards a draft.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from datetime import timedelta
from itertools import count

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.common.schedule import BadTime, When, parse_when
from bot.common.vocab import CITY, COUNTIES, INDUSTRIES, IP_TOPICS
from bot.delivery.outbox import Creator
from bot.i18n.texts import text, title
from bot.reach.broadcasts import BroadcastDesk, Draft, describe_when
from bot.reach.deadline_replies import added_reply, listing
from bot.reach.deadlines import Deadlines
from bot.reach.reminders import ReminderSettings
from bot.specialist_commands import SpecialistCommands
from handlers.telegram.account import private_only
from handlers.telegram.context import (
    CHANNEL,
    TelegramServices,
    ensure_firm,
    firm_key,
    firm_view,
    language_of,
    private_button,
    services,
)
from handlers.telegram.render import edit_text, rows, send_text

REMINDERS_KEY = "reminders"  # application.bot_data key of the Reminders below
BROADCAST_PATTERN = r"^bc:\d+:"
DEADLINE_PATTERN = r"^dl:x:\d+$"
TEXT, AUDIENCE, WHEN, CONFIRM = "text", "audience", "when", "confirm"
MENU_PARTS = {  # menu → the audience part it toggles, the title kind of its values, the values
    "t": ("topics", "topic", IP_TOPICS),
    "c": ("counties", "county", (*COUNTIES, CITY)),
    "i": ("industries", "industry", INDUSTRIES),
}


@dataclass
class Reminders:
    """The reminder pieces a running Telegram application uses (kept in `bot_data`)."""

    settings: ReminderSettings
    desk: BroadcastDesk
    deadlines: Deadlines


def reminders(context: ContextTypes.DEFAULT_TYPE) -> Reminders:
    return context.application.bot_data[REMINDERS_KEY]


DRAFT_KEY = "broadcast_draft"  # the specialist's draft in python-telegram-bot's user_data
DRAFT_TIMEOUT = timedelta(minutes=30)  # a draft left alone this long is discarded (the JobQueue ends it)


def _toggle_label(chosen: bool, title: str) -> str:
    return ("✅ " if chosen else "▫️ ") + title


def _draft(context: ContextTypes.DEFAULT_TYPE) -> Draft | None:
    return context.user_data.get(DRAFT_KEY)


def _forget_draft(context: ContextTypes.DEFAULT_TYPE) -> int:
    """Drop the draft; the conversation ends."""
    context.user_data.pop(DRAFT_KEY, None)
    return ConversationHandler.END


@dataclass
class BroadcastFlow:
    """The /broadcast conversation (python-telegram-bot's ConversationHandler): text → audience → time →
    preview → confirm. One draft per specialist, in user_data, ended by confirm, cancel or timeout."""

    numbers: count = field(default_factory=lambda: count(1))

    def handlers(self) -> list[BaseHandler]:
        private = filters.ChatType.PRIVATE
        typed = private & filters.TEXT & ~filters.COMMAND
        buttons = CallbackQueryHandler(self.on_button, pattern=BROADCAST_PATTERN)
        with warnings.catch_warnings():  # one draft per specialist: tracking per message is not wanted
            warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
            conversation = ConversationHandler(
                entry_points=[CommandHandler("broadcast", self.start, filters=private)],
                states={
                    TEXT: [MessageHandler(typed, self.on_text)],
                    AUDIENCE: [buttons],
                    WHEN: [MessageHandler(typed, self.on_time), buttons],
                    CONFIRM: [buttons],
                    ConversationHandler.TIMEOUT: [TypeHandler(Update, self.timed_out)],
                },
                fallbacks=[CommandHandler("cancel", self.discard, filters=private)],
                allow_reentry=True, conversation_timeout=DRAFT_TIMEOUT, name="broadcast",
            )
        return [conversation, CallbackQueryHandler(self.stale, pattern=BROADCAST_PATTERN)]

    # ---- steps ------------------------------------------------------------------------------

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
        """/broadcast [text]: specialists only; the text may follow the command."""
        svc, user_id = services(context), update.effective_user.id
        lang = language_of(svc, update)
        if not SpecialistCommands(svc.engine, svc.settings, svc.clock, svc.desk).allowed(
            CHANNEL, str(user_id), "broadcast"
        ):
            await send_text(context.bot, update.effective_chat.id, text("not_allowed", lang))
            return _forget_draft(context)
        context.user_data[DRAFT_KEY] = Draft(next(self.numbers))
        typed = (update.effective_message.text.split(maxsplit=1) + [""])[1]
        if typed.strip():
            return await self._take_text(update, context, typed)
        await send_text(context.bot, update.effective_chat.id, text("bc_ask_text", lang))
        return TEXT

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
        return await self._take_text(update, context, update.effective_message.text)

    async def _take_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE, typed: str) -> str:
        svc = services(context)
        lang, desk = language_of(svc, update), reminders(context).desk
        problem = desk.text_problem(typed, lang)
        if problem:
            await send_text(context.bot, update.effective_chat.id, problem)
            return TEXT
        draft = replace(_draft(context), text=typed.strip())
        context.user_data[DRAFT_KEY] = draft
        message, keyboard = self._audience_view(draft, desk, lang, "a")
        await send_text(context.bot, update.effective_chat.id, message, keyboard)
        return AUDIENCE

    async def on_time(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
        svc, typed = services(context), update.effective_message.text
        lang, settings = language_of(svc, update), reminders(context).settings
        try:
            when = parse_when(typed, svc.clock.now(), settings.send_hour)
        except BadTime as exc:
            await send_text(
                context.bot,
                update.effective_chat.id,
                text(exc.key, lang, **exc.values)
                + ("\n" + text("when_format", lang) if exc.key != "when_format" else ""),
            )
            return WHEN
        draft = replace(_draft(context), when=when)
        context.user_data[DRAFT_KEY] = draft
        await self._send_preview(context, update.effective_chat.id, draft, lang)
        return CONFIRM

    async def _send_preview(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, draft: Draft, lang: str
    ) -> None:
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(text("bc_btn_confirm", lang), callback_data=f"bc:{draft.number}:ok"),
                    InlineKeyboardButton(text("bc_btn_cancel", lang), callback_data=f"bc:{draft.number}:x"),
                ]
            ]
        )
        await send_text(context.bot, chat_id, reminders(context).desk.preview(draft, lang), keyboard)

    async def discard(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        """/cancel while composing."""
        lang = language_of(services(context), update)
        await send_text(context.bot, update.effective_chat.id, text("bc_discarded", lang))
        return _forget_draft(context)

    async def timed_out(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        """The draft was left alone for DRAFT_TIMEOUT: say so, and forget it."""
        lang = language_of(services(context), update)
        await send_text(context.bot, update.effective_chat.id, text("bc_timed_out", lang))
        return _forget_draft(context)

    async def stale(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button of a draft that is no longer open."""
        await update.callback_query.answer(text("bc_stale", language_of(services(context), update)), show_alert=True)

    # ---- buttons ----------------------------------------------------------------------------

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int | None:
        """bc:<draft>:<action>[:<index>] — toggles, menus, time, confirm, cancel; returns the next state
        (None: stay)."""
        query, draft = update.callback_query, _draft(context)
        lang = language_of(services(context), update)
        _, number, action, *arg = query.data.split(":")
        if draft is None or draft.number != int(number):
            await self.stale(update, context)
            return None
        await query.answer()
        desk = reminders(context).desk
        if action == "x":
            await edit_text(query, text("bc_discarded", lang))
            return _forget_draft(context)
        if action == "ok":
            return await self._confirm(update, context, draft, lang) if draft.text and draft.when else None
        if action in ("n", "t", "c", "i", "m"):
            menu = arg[0] if action == "m" else ("a" if action == "n" else action)
            if action == "n":
                draft = draft.toggled("notices", True)
            elif action != "m":
                part, _, values = MENU_PARTS[action]
                index = int(arg[0]) if arg and arg[0].isdecimal() else len(values)
                if index >= len(values):
                    return None
                draft = draft.toggled(part, values[index])
            context.user_data[DRAFT_KEY] = draft
            await edit_text(query, *self._audience_view(draft, desk, lang, menu))
            return AUDIENCE
        if action == "w":
            await edit_text(query, text("bc_choose_when", lang), self._when_keyboard(draft, lang))
            return AUDIENCE
        if action == "now":
            draft = replace(draft, when=When(None))
            context.user_data[DRAFT_KEY] = draft
            await self._send_preview(context, update.effective_chat.id, draft, lang)
            return CONFIRM
        if action == "at":
            await edit_text(query, text("bc_ask_when", lang))
            return WHEN
        return None

    async def _confirm(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft, lang: str
    ) -> int:
        state = reminders(context)
        creator = Creator(CHANNEL, str(update.effective_user.id), str(update.effective_chat.id), lang)
        broadcast_id = state.desk.confirm(draft, creator)
        services(context).delivery.wake()  # one to go now goes at once
        when = describe_when(draft.when or When(None), lang)
        await edit_text(update.callback_query, text("bc_scheduled", lang, id=str(broadcast_id), when=when))
        return _forget_draft(context)

    # ---- views ------------------------------------------------------------------------------

    def _audience_view(
        self, draft: Draft, desk: BroadcastDesk, lang: str, menu: str
    ) -> tuple[str, InlineKeyboardMarkup]:
        """The audience step: the current choice with its recipient count, and the main menu or a
        menu of topics (t), counties (c) or industries (i) to toggle."""
        message = text("bc_choose_audience", lang) + "\n\n" + desk.audience_summary(draft.audience, lang)
        prefix = f"bc:{draft.number}:"
        if menu in MENU_PARTS:
            part, kind, values = MENU_PARTS[menu]
            chosen = getattr(draft.audience, part)
            buttons = [
                InlineKeyboardButton(
                    _toggle_label(v in chosen, title(kind, v, lang)),
                    callback_data=f"{prefix}{menu}:{i}",
                )
                for i, v in enumerate(values)
            ]
            keyboard = rows(buttons, 2 if menu == "t" else 3)
            keyboard.append([InlineKeyboardButton(text("bc_btn_back", lang), callback_data=f"{prefix}m:a")])
            return message, InlineKeyboardMarkup(keyboard)
        audience = draft.audience

        def submenu(key: str, label: str, chosen: tuple[str, ...]) -> InlineKeyboardButton:
            suffix = f" ({len(chosen)})" if chosen else ""
            return InlineKeyboardButton(text(label, lang) + suffix, callback_data=f"{prefix}m:{key}")

        return message, InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        _toggle_label(audience.notices, text("bc_btn_notices", lang)),
                        callback_data=f"{prefix}n",
                    )
                ],
                [
                    submenu("t", "bc_btn_topics", audience.topics),
                    submenu("c", "bc_btn_counties", audience.counties),
                    submenu("i", "bc_btn_industries", audience.industries),
                ],
                [InlineKeyboardButton(text("bc_btn_next", lang), callback_data=f"{prefix}w")],
                [InlineKeyboardButton(text("bc_btn_cancel", lang), callback_data=f"{prefix}x")],
            ]
        )

    @staticmethod
    def _when_keyboard(draft: Draft, lang: str) -> InlineKeyboardMarkup:
        prefix = f"bc:{draft.number}:"
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(text("bc_btn_now", lang), callback_data=f"{prefix}now"),
                    InlineKeyboardButton(text("bc_btn_later", lang), callback_data=f"{prefix}at"),
                ],
                [InlineKeyboardButton(text("bc_btn_cancel", lang), callback_data=f"{prefix}x")],
            ]
        )


# ---- firms' deadlines ---------------------------------------------------------------------------


async def add_deadline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/deadline <kind> <YYYY-MM-DD> [note]: the reminders it will get, or why it was refused."""
    svc, state = services(context), reminders(context)
    lang, chat_id = firm_view(svc, update).language, update.effective_chat.id
    args = context.args or []
    if len(args) < 2:  # the usage, without storing a profile
        await send_text(context.bot, chat_id, text("dl_usage", lang))
        return
    firm, _ = ensure_firm(svc, update)  # a deadline is kept for the firm: the profile is stored
    reply = added_reply(state.deadlines, firm.user, args, svc.engine.kb.facts, svc.clock.now(), lang)
    await send_text(context.bot, chat_id, reply)


def _deadline_view(
    svc: TelegramServices, state: Reminders, user: str, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    said, mine = listing(state.deadlines, user, lang)
    if not mine:
        return said, None
    buttons = [InlineKeyboardButton(f"✖ #{deadline.id}", callback_data=f"dl:x:{deadline.id}") for deadline in mine]
    return said, InlineKeyboardMarkup(rows(buttons, 4))


async def my_deadlines(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    firm = firm_view(svc, update)
    message, keyboard = _deadline_view(svc, reminders(context), firm.user, firm.language)
    await send_text(context.bot, update.effective_chat.id, message, keyboard)


async def on_remove_deadline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, state, query = services(context), reminders(context), update.callback_query
    lang, user = language_of(svc, update), firm_key(svc, update)
    deadline_id = int(query.data.rsplit(":", 1)[1])
    removed = state.deadlines.remove(user, deadline_id)
    await query.answer(text("dl_removed", lang, id=str(deadline_id)) if removed else None)
    message, keyboard = _deadline_view(svc, state, user, lang)
    await edit_text(query, message, keyboard)


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return BroadcastFlow().handlers() + [
        CommandHandler("deadline", add_deadline, filters=private),
        CommandHandler("mydeadlines", my_deadlines, filters=private),
        CommandHandler(
            ("deadline", "mydeadlines", "broadcast"), private_only, filters=filters.ChatType.GROUPS
        ),
        CallbackQueryHandler(private_button(on_remove_deadline), pattern=DEADLINE_PATTERN),
    ]
