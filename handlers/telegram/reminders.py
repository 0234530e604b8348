"""Reminders in Telegram: the specialists' /broadcast flow (compose → audience → time → preview with the
exact recipient count → confirm or cancel) and the firms' /deadline and /mydeadlines.

/reminders and /cancel_reminder are specialist commands shared with WeCom (bot/admin.py). Drafts live
in memory only: nothing is scheduled without the confirm, so a restart just discards a draft.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import count

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message as TgMessage, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.admin import SpecialistCommands
from bot.clock import local_date
from bot.broadcasts import BroadcastDesk, Draft, county_title, describe_when
from bot.deadlines import DeadlineError, Deadlines
from bot.outbox import Creator
from bot.reminders import ReminderLoop, ReminderSettings
from bot.schedule import BadTime, When, parse_when
from bot.texts import text
from bot.vocab import CITY, COUNTIES, INDUSTRIES, INDUSTRY_TITLES, IP_TOPICS, TOPIC_TITLES
from handlers.telegram.account import private_only
from handlers.telegram.context import (
    CHANNEL, Services, ensure_firm, language_of, private_button, services, user_hash,
)
from handlers.telegram.render import edit_text, rows, send_text

REMINDERS_KEY = "reminders"  # application.bot_data key of the Reminders below
BROADCAST_PATTERN = r"^bc:\d+:"
DEADLINE_PATTERN = r"^dl:x:\d+$"
TEXT, AUDIENCE, WHEN, CONFIRM = "text", "audience", "when", "confirm"
MENU_PARTS = {
    "t": ("topics", IP_TOPICS),
    "c": ("counties", (*COUNTIES, CITY)),
    "i": ("industries", INDUSTRIES),
}


@dataclass
class Reminders:
    """The reminder pieces a running Telegram application uses (kept in `bot_data`)."""

    settings: ReminderSettings
    desk: BroadcastDesk
    deadlines: Deadlines
    loop: ReminderLoop | None = None  # the delivery loop, once the application runs


def reminders(context: ContextTypes.DEFAULT_TYPE) -> Reminders:
    return context.application.bot_data[REMINDERS_KEY]


@dataclass
class _Composing:
    draft: Draft
    stage: str


class _AwaitingInput(filters.MessageFilter):
    """Text from a specialist whose draft waits for typed input (its text or its time)."""

    def __init__(self, flow: BroadcastFlow) -> None:
        super().__init__(name="awaiting_broadcast_input")
        self.flow = flow

    def filter(self, message: TgMessage) -> bool:
        composing = self.flow.drafts.get(message.from_user.id) if message.from_user else None
        return composing is not None and composing.stage in (TEXT, WHEN)


class _HasDraft(filters.MessageFilter):
    """A specialist with a draft open (for /cancel)."""

    def __init__(self, flow: BroadcastFlow) -> None:
        super().__init__(name="composing_broadcast")
        self.flow = flow

    def filter(self, message: TgMessage) -> bool:
        return bool(message.from_user) and message.from_user.id in self.flow.drafts


def _toggle_label(chosen: bool, title: str) -> str:
    return ("✅ " if chosen else "▫️ ") + title


@dataclass
class BroadcastFlow:
    """One application's broadcast drafts, by specialist user id, and the handlers that edit them."""

    drafts: dict[int, _Composing] = field(default_factory=dict)
    numbers: count = field(default_factory=lambda: count(1))

    def handlers(self) -> list[BaseHandler]:
        private = filters.ChatType.PRIVATE
        return [
            CommandHandler("broadcast", self.start, filters=private),
            CommandHandler("cancel", self.discard, filters=private & _HasDraft(self)),
            MessageHandler(private & filters.TEXT & ~filters.COMMAND & _AwaitingInput(self), self.on_input),
            CallbackQueryHandler(self.on_button, pattern=BROADCAST_PATTERN),
        ]

    # ---- steps ------------------------------------------------------------------------------

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/broadcast [text]: specialists only; the text may follow the command."""
        svc, user_id = services(context), update.effective_user.id
        lang = language_of(svc, update)
        if not SpecialistCommands(svc.engine, svc.settings, svc.clock, svc.desk).allowed(
            CHANNEL, str(user_id), "broadcast"
        ):
            await send_text(context.bot, update.effective_chat.id, text("not_allowed", lang))
            return
        self.drafts[user_id] = _Composing(Draft(next(self.numbers)), TEXT)
        typed = (update.effective_message.text.split(maxsplit=1) + [""])[1]
        if typed.strip():
            await self._take_text(update, context, typed)
        else:
            await send_text(context.bot, update.effective_chat.id, text("bc_ask_text", lang))

    async def on_input(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        composing = self.drafts[update.effective_user.id]
        if composing.stage == TEXT:
            await self._take_text(update, context, update.effective_message.text)
        else:
            await self._take_time(update, context, update.effective_message.text)

    async def _take_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE, typed: str) -> None:
        svc, user_id = services(context), update.effective_user.id
        lang, desk = language_of(svc, update), reminders(context).desk
        problem = desk.text_problem(typed, lang)
        if problem:
            await send_text(context.bot, update.effective_chat.id, problem)
            return
        composing = self.drafts[user_id]
        draft = replace(composing.draft, text=typed.strip())
        self.drafts[user_id] = _Composing(draft, AUDIENCE)
        message, keyboard = self._audience_view(draft, desk, lang, "a")
        await send_text(context.bot, update.effective_chat.id, message, keyboard)

    async def _take_time(self, update: Update, context: ContextTypes.DEFAULT_TYPE, typed: str) -> None:
        svc, user_id = services(context), update.effective_user.id
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
            return
        draft = replace(self.drafts[user_id].draft, when=when)
        self.drafts[user_id] = _Composing(draft, CONFIRM)
        await self._send_preview(context, update.effective_chat.id, draft, lang)

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

    async def discard(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.drafts.pop(update.effective_user.id, None)
        await send_text(
            context.bot,
            update.effective_chat.id,
            text("bc_discarded", language_of(services(context), update)),
        )

    # ---- buttons ----------------------------------------------------------------------------

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """bc:<draft>:<action>[:<index>] — toggles, menus, time, confirm, cancel."""
        svc, query, user_id = services(context), update.callback_query, update.effective_user.id
        lang = language_of(svc, update)
        _, number, action, *arg = query.data.split(":")
        composing = self.drafts.get(user_id)
        if composing is None or composing.draft.number != int(number):
            await query.answer(text("bc_stale", lang), show_alert=True)
            return
        await query.answer()
        draft, desk = composing.draft, reminders(context).desk
        if action == "x":
            self.drafts.pop(user_id)
            await edit_text(query, text("bc_discarded", lang))
        elif action == "ok" and composing.stage == CONFIRM:
            await self._confirm(update, context, draft, lang)
        elif action in ("n", "t", "c", "i", "m") and composing.stage == AUDIENCE:
            menu = arg[0] if action == "m" else ("a" if action == "n" else action)
            if action == "n":
                draft = draft.toggled("notices", True)
            elif action != "m":
                part, values = MENU_PARTS[action]
                draft = draft.toggled(part, values[int(arg[0])])
            self.drafts[user_id] = _Composing(draft, AUDIENCE)
            await edit_text(query, *self._audience_view(draft, desk, lang, menu))
        elif action == "w" and composing.stage == AUDIENCE:
            await edit_text(query, text("bc_choose_when", lang), self._when_keyboard(draft, lang))
        elif action == "now" and composing.stage == AUDIENCE:
            draft = replace(draft, when=When(None))
            self.drafts[user_id] = _Composing(draft, CONFIRM)
            await self._send_preview(context, update.effective_chat.id, draft, lang)
        elif action == "at" and composing.stage == AUDIENCE:
            self.drafts[user_id] = _Composing(draft, WHEN)
            await edit_text(query, text("bc_ask_when", lang))

    async def _confirm(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft, lang: str
    ) -> None:
        state = reminders(context)
        creator = Creator(CHANNEL, str(update.effective_user.id), str(update.effective_chat.id), lang)
        broadcast_id = state.desk.confirm(draft, creator)
        self.drafts.pop(update.effective_user.id, None)
        if state.loop is not None:
            state.loop.dispatcher.wake()
        when = describe_when(draft.when or When(None), lang)
        await edit_text(update.callback_query, text("bc_scheduled", lang, id=str(broadcast_id), when=when))

    # ---- views ------------------------------------------------------------------------------

    def _audience_view(
        self, draft: Draft, desk: BroadcastDesk, lang: str, menu: str
    ) -> tuple[str, InlineKeyboardMarkup]:
        """The audience step: the current choice with its recipient count, and the main menu or a
        menu of topics (t), counties (c) or industries (i) to toggle."""
        message = text("bc_choose_audience", lang) + "\n\n" + desk.audience_summary(draft.audience, lang)
        prefix = f"bc:{draft.number}:"
        if menu in MENU_PARTS:
            part, values = MENU_PARTS[menu]
            chosen = getattr(draft.audience, part)
            buttons = [
                InlineKeyboardButton(
                    _toggle_label(v in chosen, self._title(menu, v, lang)),
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
    def _title(menu: str, value: str, lang: str) -> str:
        index = 1 if lang == "en" else 0
        if menu == "t":
            return TOPIC_TITLES[value][index]
        if menu == "i":
            return INDUSTRY_TITLES[value][index]
        return county_title(value, lang)

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


def _kind_title(kind: str, lang: str) -> str:
    return text(f"dl_kind_{kind}", lang)


async def add_deadline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/deadline <kind> <YYYY-MM-DD> [note]: the reminders it will get, or why it was refused."""
    svc, state = services(context), reminders(context)
    firm, _ = ensure_firm(svc, update)
    lang, chat_id = firm.language, update.effective_chat.id
    args = context.args or []
    if len(args) < 2:
        await send_text(context.bot, chat_id, text("dl_usage", lang))
        return
    try:
        deadline, upcoming = state.deadlines.add(
            firm.user, args[0], args[1], " ".join(args[2:]), svc.engine.kb.facts, svc.clock.now()
        )
    except DeadlineError as exc:
        hint = "\n\n" + text("dl_usage", lang) if exc.key in ("deadline_kind", "date_format") else ""
        await send_text(context.bot, chat_id, text(exc.key, lang, **exc.values) + hint)
        return
    label = text("dl_label", lang, label=deadline.label) if deadline.label else ""
    values = {"kind": _kind_title(deadline.kind, lang), "due": deadline.due.isoformat(), "label": label}
    if upcoming:
        days = ", ".join(day.isoformat() for day in upcoming)
        reply = text("dl_added", lang, days=days, hour=str(state.settings.send_hour), **values)
    else:
        last = state.deadlines.plan_for(
            deadline.kind, deadline.due, svc.engine.kb.facts, local_date(svc.clock.now())
        ).last_day
        reply = text("dl_added_none", lang, last=last.isoformat(), **values)
    await send_text(context.bot, chat_id, reply)


def _deadline_view(
    svc: Services, state: Reminders, user: str, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    mine = state.deadlines.of(user)
    if not mine:
        return text("dl_list_none", lang), None
    lines, buttons = [text("dl_list_title", lang)], []
    for deadline in mine:
        label = text("dl_label", lang, label=deadline.label) if deadline.label else ""
        upcoming = local_date(deadline.next_at).isoformat() if deadline.next_at else text("dl_no_next", lang)
        lines.append(
            text(
                "dl_line",
                lang,
                id=str(deadline.id),
                kind=_kind_title(deadline.kind, lang),
                due=deadline.due.isoformat(),
                label=label,
                next=upcoming,
            )
        )
        buttons.append(InlineKeyboardButton(f"✖ #{deadline.id}", callback_data=f"dl:x:{deadline.id}"))
    return "\n".join(lines), InlineKeyboardMarkup(rows(buttons, 4))


async def my_deadlines(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    firm, _ = ensure_firm(svc, update)
    message, keyboard = _deadline_view(svc, reminders(context), firm.user, firm.language)
    await send_text(context.bot, update.effective_chat.id, message, keyboard)


async def on_remove_deadline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, state, query = services(context), reminders(context), update.callback_query
    lang, user = language_of(svc, update), user_hash(svc, update)
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
