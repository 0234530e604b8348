"""Delivering the outbox: platform limits, retries, the in-flight window, delivery reports.

One loop per process delivers the copies of the channels it has a `Sender` for: broadcasts' copies, and
those of every kind registered with it (`CopyKind`: a ticket notice …), under one limit per channel. A copy is claimed
(`sending`, committed) just before its platform call and marked final in the same transaction that
claims the next ones, so at most `concurrency` copies are ever claimed-but-unrecorded: a killed
process repeats at most that many. A copy of any kind that the platform's session rules refuse for now
(`SessionClosed`: 微信客服's 48-hour window) is recorded `waiting`, never retried, and due again when the
recipient writes (`Outbox.reopen`). Only the loop itself waits (on the injectable `sleep`), so on a
simulated clock the timings are exact.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Awaitable, Callable, Iterable, Mapping, Protocol

from bot.common.clock import Clock, parse_utc_iso
from bot.common.settings_reach import DeliverySettings, RateLimit
from bot.delivery.outbox import (
    BLOCKED,
    COPY,
    FAILED,
    PENDING,
    SENDING,
    SENT,
    WAITING,
    Delivery,
    Outbox,
    _marks,
    iso,
)
from bot.delivery.sender import (
    PermanentError,
    RecipientBlocked,
    RetryAfter,
    Sender,
    SessionClosed,
    TransientError,
    send_once,
)
from bot.firms.profiles import Profiles
from bot.i18n.texts import text

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
SCAN_LIMIT = 64  # queued copies looked at per round for one that may go now


class Limiter:
    """Spaces one channel's sends: 1/per_second apart overall, per_chat_seconds apart per chat, and
    nothing before a RetryAfter has passed."""

    def __init__(self, limit: RateLimit) -> None:
        # rounded up to the microsecond, so that rounding never makes it faster than the limit
        self.gap = (
            timedelta(microseconds=math.ceil(1e6 / limit.per_second)) if limit.per_second else timedelta(0)
        )
        self.chat_gap = timedelta(seconds=limit.per_chat_seconds)
        self._next_any: datetime | None = None
        self._next_chat: dict[str, datetime] = {}

    def ready_at(self, chat_id: str | None = None) -> datetime | None:
        """The earliest moment a message (to `chat_id`) may go; None: any time."""
        times = [t for t in (self._next_any, self._next_chat.get(chat_id) if chat_id else None) if t]
        return max(times) if times else None

    def take(self, chat_id: str, now: datetime) -> None:
        """Record a message to `chat_id` going at `now` (no earlier than `ready_at`)."""
        start = max(now, self.ready_at(chat_id) or now)
        self._next_any = start + self.gap
        if self.chat_gap:
            if len(self._next_chat) > 10_000:
                self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}
            self._next_chat[chat_id] = start + self.chat_gap

    def pause(self, until: datetime) -> None:
        """The platform asked us to wait (RetryAfter): nothing goes before `until`."""
        self._next_any = max(self._next_any or until, until)


@dataclass
class Job:
    """One message to send: a copy of a broadcast or of another kind, or a delivery report to a specialist."""

    channel: str
    chat_id: str
    text: str
    broadcast_id: int | None
    copy_id: int | None = None  # None: a delivery report
    user: str | None = None
    attempts: int = 0
    pending: int = 0  # for a report: pending copies it announces
    kind: str = COPY
    ref: int | None = None  # the copy's row in its kind's own table
    item: object = None  # what the kind composed the message from (its `send` reads it)


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | failed | blocked | waiting (until the recipient writes) | pending (retry)
    error: str | None = None
    retry_after: float | None = None  # seconds, for a retry
    message_id: str | None = None  # the platform's id of the message sent, when the kind's send gives one


@dataclass(frozen=True)
class Composed:
    """A copy of another kind made ready: the chat it goes to, its text, and the kind's own object."""

    chat_id: str
    text: str
    item: object = None


class CopyKind(Protocol):
    """A kind of outbox copy other than a broadcast's, registered with the dispatcher by the capability
    that writes it (a ticket notice): what each copy says, how it goes out, what its outcome changes."""

    name: str

    def compose(self, ref: int) -> Composed | None:
        """The message for the kind's row `ref`; None when it can no longer be sent (recorded failed)."""
        ...

    async def send(self, sender: Sender, job: Job) -> str | None:
        """One platform call (raising a bot.delivery.sender error); the platform's message id, if any."""
        ...

    def settle(self, job: Job, outcome: Outcome, now: datetime) -> None:
        """Record an outcome in the kind's own tables, inside the dispatcher's transaction."""
        ...


@dataclass
class Totals:
    """What one run of the loop did (for run-once, tests and benchmarks)."""

    sent: int = 0
    failed: int = 0
    blocked: int = 0
    waiting: int = 0
    retried: int = 0
    reports: int = 0
    recovered: int = 0
    commits: int = 0


class Dispatcher:
    """Sends pending copies through the channels' Senders within their limits; see the module doc."""

    def __init__(
        self,
        outbox: Outbox,
        senders: Mapping[str, Sender],
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        *,
        limits: Mapping[str, RateLimit] | None = None,
        settings: DeliverySettings | None = None,
        on_tick: Callable[[datetime], int] | None = None,
    ) -> None:
        self.outbox, self.db, self.clock, self.sleep = outbox, outbox.db, clock, sleep
        self.settings = settings or DeliverySettings()
        self.limits = dict(limits or {})
        self.senders: dict[str, Sender] = {}
        self.limiters: dict[str, Limiter] = {}
        for sender in senders.values():
            self.add_sender(sender)
        self.kinds: dict[str, CopyKind] = {}
        self._only: tuple[str, ...] = ()  # the kinds this run delivers (all when empty)
        self.on_tick = on_tick
        self.totals = Totals()
        self._queue: deque[Job] = deque()
        self._running: dict[asyncio.Task, Job] = {}
        self._done: list[tuple[Job, Outcome]] = []
        self._reporting: set[int] = set()
        self._wake = asyncio.Event()
        self._stopping = False
        self._next_tick: datetime | None = None

    # ---- control ----------------------------------------------------------------------------

    def add_sender(self, sender: Sender) -> None:
        """Deliver this channel's copies too, within its limit (before run())."""
        self.senders[sender.channel] = sender
        self.limiters[sender.channel] = Limiter(self.limits.get(sender.channel, RateLimit()))

    def register(self, kind: CopyKind) -> None:
        """Deliver copies of this kind too (before run())."""
        self.kinds[kind.name] = kind

    def wake(self) -> None:
        """Look for work now (a specialist just confirmed a broadcast)."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the copies in flight, record them and return from run()."""
        self._stopping = True
        self._wake.set()

    async def run(self, until_idle: bool = False, kinds: Iterable[str] = ()) -> Totals:
        """Deliver until stop() (or, with `until_idle`, until nothing is due or in flight); with `kinds`,
        one pass over the copies of those kinds only (no reminders fired, no reports).

        Copies left `sending` by a previous process (or run) are recovered first. Cancelling the
        task is like killing the process: nothing more is recorded.
        """
        self._queue.clear()
        self._running, self._done, self._reporting, self._next_tick = {}, [], set(), None
        self._only = tuple(kinds)
        self.totals.recovered += self.outbox.recover(self.senders, self._kinds())
        try:
            while True:
                now = self.clock.now()
                self._commit(self._pick(now), now)
                if not self._queue:
                    self._queue.extend(self._fetch(now))
                    if self._queue and self._free():
                        continue
                if not self._only and (
                    self._next_tick is None or now >= self._next_tick or not (self._queue or self._running)
                ):
                    self._tick(now)
                if self._stopping and not (self._running or self._done):
                    return self.totals  # what is only queued stays pending in the database
                if until_idle and not self._busy(now):
                    return self.totals
                await self._wait(now)
        except BaseException:  # killed, or a failure: what is in flight stays claimed, recovered next run
            for task in self._running:
                task.cancel()
            raise

    # ---- one round --------------------------------------------------------------------------

    def _free(self) -> int:
        return self.settings.concurrency - len(self._running)

    def _pick(self, now: datetime) -> list[Job]:
        """Queued jobs whose limits allow them now, up to the free slots (limiter slots taken)."""
        picked: list[Job] = []
        skipped: list[Job] = []
        if all((limiter.ready_at() or now) > now for limiter in self.limiters.values()):
            return picked  # every channel waits for its overall limit: nothing can go
        while self._queue and len(picked) < self._free() and len(skipped) < SCAN_LIMIT and not self._stopping:
            job = self._queue.popleft()
            limiter = self.limiters[job.channel]
            ready = limiter.ready_at(job.chat_id)
            if ready is None or ready <= now:
                limiter.take(job.chat_id, now)
                picked.append(job)
            else:
                skipped.append(job)
        self._queue.extendleft(reversed(skipped))
        return picked

    def _commit(self, starting: list[Job], now: datetime) -> None:
        """Record finished jobs and claim the starting ones in one transaction, then start them."""
        done, self._done = self._done, []
        if not done and not starting:
            return
        claimed: list[Job] = []
        with self.db.atomic():
            for job, outcome in done:
                self._record(job, outcome, now)
            for job in starting:
                if job.copy_id is None or self._claim(job, now):
                    claimed.append(job)
        self.totals.commits += 1
        self._after_commit(done, now)
        for job in claimed:
            self._running[asyncio.get_running_loop().create_task(self._attempt(job))] = job

    def _claim(self, job: Job, now: datetime) -> bool:
        job.attempts += 1
        return (
            self.db.execute(
                "update outbox set status = ?, claimed_at = ?, attempts = ? where id = ? and status = ?",
                [SENDING, iso(now), job.attempts, job.copy_id, PENDING],
            ).rowcount
            == 1
        )

    def _kinds(self) -> tuple[str, ...]:
        """The kinds of copies this run delivers."""
        return self._only or (COPY, *self.kinds)

    def _ours(self) -> tuple[str, list[str]]:
        """The SQL condition on `outbox o` for this run's copies (our channels and kinds), and its parameters."""
        channels, kinds = tuple(self.senders), self._kinds()
        return f"o.channel in ({_marks(channels)}) and o.kind in ({_marks(kinds)})", [*channels, *kinds]

    def _record(self, job: Job, outcome: Outcome, now: datetime) -> None:
        if job.copy_id is None:
            if outcome.status in (SENT, BLOCKED, FAILED):
                self.db.execute(
                    "update broadcasts set reported_pending = ? where id = ?", [job.pending, job.broadcast_id]
                )
            return
        retry_at = now + timedelta(seconds=outcome.retry_after or 0)
        # `repeated` stays only on a copy re-sent and accepted: one refused now arrived at most once
        self.db.execute(
            "update outbox set status = ?, sent_at = ?, last_error = ?, next_attempt = ?,"
            " repeated = repeated * (? not in (?, ?)) where id = ?",
            [
                outcome.status,
                iso(now) if outcome.status == SENT else None,
                outcome.error,
                iso(retry_at),
                outcome.status,
                FAILED,
                BLOCKED,
                job.copy_id,
            ],
        )
        if job.kind in self.kinds:
            self.kinds[job.kind].settle(job, outcome, now)

    def _after_commit(self, done: list[tuple[Job, Outcome]], now: datetime) -> None:
        """Count outcomes; firms that blocked the bot become inactive."""
        profiles = Profiles(self.db)
        for job, outcome in done:
            if job.copy_id is None:
                self.totals.reports += outcome.status == SENT
                self._reporting.discard(job.broadcast_id)
                continue
            if outcome.status == BLOCKED and job.user:
                profiles.update(job.user, now, active=0)
                self._drop_queued(job)
            field_name = {
                SENT: "sent", FAILED: "failed", BLOCKED: "blocked", WAITING: "waiting", PENDING: "retried",
            }[outcome.status]
            setattr(self.totals, field_name, getattr(self.totals, field_name) + 1)

    def _drop_queued(self, blocked: Job) -> None:
        """The recipient blocked the bot: its other queued copies are recorded blocked, never sent."""
        same = [j for j in self._queue if (j.channel, j.chat_id) == (blocked.channel, blocked.chat_id)]
        for job in same:
            self._queue.remove(job)
            self._done.append((job, Outcome(BLOCKED, "recipient had blocked the bot")))

    def _fetch(self, now: datetime) -> list[Job]:
        """Due pending copies of our channels and kinds (oldest first); copies of firms known to have
        blocked the bot are recorded as blocked, those their kind can no longer compose as failed,
        without a platform call."""
        ours, params = self._ours()
        rows = list(
            self.db.query(
                "select o.id, o.broadcast_id, o.channel, o.chat_id, o.user, o.language, o.attempts, o.kind, o.ref,"
                " b.text, b.text_en, b.footer, coalesce(f.active, 1) as active from outbox o"
                " left join broadcasts b on b.id = o.broadcast_id left join firms f on f.user = o.user"
                f" where o.status = ? and {ours} and o.next_attempt <= ?"
                " order by o.next_attempt, o.id limit ?",
                [PENDING, *params, iso(now), self.settings.batch],
            )
        )
        jobs = []
        for row in rows:
            job = Job(
                row["channel"], row["chat_id"], "", row["broadcast_id"], row["id"], row["user"], row["attempts"],
                kind=row["kind"], ref=row["ref"],
            )
            if not row["active"]:
                self._done.append((job, Outcome(BLOCKED, "recipient had blocked the bot")))
            elif not self._compose(job, row):
                self._done.append((job, Outcome(FAILED, "no longer deliverable")))
            else:
                jobs.append(job)
        return jobs

    def _compose(self, job: Job, row: Mapping[str, str]) -> bool:
        """Fill in the job's chat and text (from its broadcast, or by its kind); False if it has none."""
        if job.kind == COPY:
            job.text = copy_text(row)
            return True
        composed = self.kinds[job.kind].compose(int(row["ref"]))
        if composed is not None:
            job.chat_id, job.text, job.item = composed.chat_id, composed.text, composed.item
        return composed is not None

    def _busy(self, now: datetime) -> bool:
        """Anything queued, in flight, unrecorded, or due in the database."""
        return bool(self._queue or self._running or self._done or self._next_pending(now) == now)

    def _next_pending(self, now: datetime) -> datetime | None:
        """When our next pending copy is due (`now` if one is due already)."""
        ours, params = self._ours()
        row = next(
            self.db.query(f"select min(o.next_attempt) as t from outbox o where o.status = ? and {ours}", [PENDING, *params])
        )
        return None if row["t"] is None else max(now, parse_utc_iso(row["t"]))

    async def _wait(self, now: datetime) -> None:
        """Sleep until a job may start or a retry falls due, until a job in flight finishes, or until
        wake(); with nothing in flight, at most until the next tick. Never sleeps past a job in flight
        that may finish at once, so a simulated clock only moves when every job waits for time."""
        moments: list[datetime] = []
        if self._free():
            moments += [t for t in [self._queue_ready_at(now) if self._queue else self._next_pending(now)] if t]
        if not self._running and self._next_tick:
            moments.append(self._next_tick)
        waiters: set[asyncio.Task] = set(self._running)
        woken = asyncio.ensure_future(self._wake.wait())
        helpers: list[asyncio.Task] = [woken]
        if moments:
            helpers.append(asyncio.ensure_future(self.sleep(max(0.0, (min(moments) - now).total_seconds()))))
        finished, _ = await asyncio.wait(waiters | set(helpers), return_when=asyncio.FIRST_COMPLETED)
        for helper in helpers:
            if not helper.done():
                helper.cancel()
        self._wake.clear()
        for task in finished:
            job = self._running.pop(task, None)
            if job is not None:
                self._done.append((job, task.result()))

    def _queue_ready_at(self, now: datetime) -> datetime:
        """When the first of the queued jobs looked at may go."""
        earliest = None
        for job in islice(self._queue, SCAN_LIMIT):
            limiter = self.limiters[job.channel]
            ready = limiter.ready_at(job.chat_id) or now
            earliest = ready if earliest is None else min(earliest, ready)
            if len(self.limiters) == 1 and ready <= (limiter.ready_at() or now):
                break  # no job of the only channel can go before its overall limit allows
        return earliest or now

    # ---- sending ----------------------------------------------------------------------------

    async def _attempt(self, job: Job) -> Outcome:
        """One platform call (a copy keyed by its id where the platform takes one); the outcome says what
        to record."""
        sender = self.senders[job.channel]
        try:
            if job.copy_id is None:
                await sender.send(job.chat_id, job.text)
                return Outcome(SENT)
            if job.kind == COPY:
                await send_once(sender, copy_key(job), job.chat_id, job.text)
                return Outcome(SENT)
            return Outcome(SENT, message_id=await self.kinds[job.kind].send(sender, job))
        except RecipientBlocked as exc:
            return Outcome(BLOCKED, _short(exc))
        except SessionClosed as exc:
            return Outcome(WAITING, _short(exc))
        except RetryAfter as exc:
            self.limiters[job.channel].pause(self.clock.now() + timedelta(seconds=exc.seconds))
            return Outcome(PENDING, _short(exc), exc.seconds)
        except TransientError as exc:
            return self._retry_or_fail(job, _short(exc))
        except PermanentError as exc:
            return Outcome(FAILED, _short(exc))
        except Exception as exc:  # a sender bug must not stop the loop; the copy is failed and logged
            log.exception("sender %s failed on copy %s", job.channel, job.copy_id)
            return Outcome(FAILED, _short(exc))

    def _retry_or_fail(self, job: Job, error: str) -> Outcome:
        if job.attempts >= self.settings.max_attempts:
            return Outcome(FAILED, error)
        backoff = self.settings.backoff_seconds * 2 ** (job.attempts - 1)
        return Outcome(PENDING, error, min(backoff, self.settings.max_backoff_seconds))

    # ---- scheduling and reports -------------------------------------------------------------

    def _tick(self, now: datetime) -> None:
        """Fire due reminders, close finished broadcasts and queue their delivery reports."""
        self._next_tick = now + timedelta(seconds=self.settings.idle_seconds)
        if self.on_tick is not None and not self._stopping:
            try:
                if self.on_tick(now):
                    self._wake.set()
            except Exception:  # a broken reminder must not stop delivery; it is tried again next tick
                log.exception("reminders: firing what is due failed")
        self._queue.extend(self._reports(now))

    def _reports(self, now: datetime) -> list[Job]:
        """A report for each broadcast of ours whose first pass is over (nothing due or in flight);
        another when its last pending copies are settled."""
        self.outbox.finish_sent(now)
        channels = tuple(self.senders)
        rows = self.db.query(
            "select id, creator_channel, creator_chat, reported_pending, creator_language from broadcasts"
            f" where status in (?, ?) and creator_channel in ({_marks(channels)})"
            " and (reported_pending is null or reported_pending > 0) and recipients is not null",
            [SENDING, SENT, *channels],
        )
        jobs = []
        for row in rows:
            if row["id"] in self._reporting or self._in_progress(row["id"], now):
                continue
            delivery = self.outbox.delivery(row["id"])
            if row["reported_pending"] is not None and delivery.pending:
                continue
            self._reporting.add(row["id"])
            jobs.append(
                Job(
                    row["creator_channel"],
                    row["creator_chat"],
                    report_text(row["id"], delivery, row["creator_language"] or "zh"),
                    row["id"],
                    pending=delivery.pending,
                )
            )
        return jobs

    def _in_progress(self, broadcast_id: int, now: datetime) -> bool:
        """Whether this process still has copies of the broadcast in flight or due."""
        if any(job.broadcast_id == broadcast_id for job in (*self._running.values(), *self._queue)):
            return True
        channels = tuple(self.senders)
        row = next(
            self.db.query(
                "select count(*) as n from outbox where broadcast_id = ? and (status = ? or"
                f" (status = ? and channel in ({_marks(channels)}) and next_attempt <= ?))",
                [broadcast_id, SENDING, PENDING, *channels, iso(now)],
            )
        )
        return row["n"] > 0


def copy_text(row: Mapping[str, str]) -> str:
    """The message a recipient gets: the text in their language (when there is one) and the footer."""
    body = row["text_en"] if row["language"] == "en" and row["text_en"] else row["text"]
    return f"{body}\n\n{text(row['footer'], row['language'] or 'zh')}"


def report_text(broadcast_id: int, delivery: Delivery, lang: str) -> str:
    """The delivery report a specialist gets after a broadcast goes out."""
    lines = [
        text(
            "report",
            lang,
            id=str(broadcast_id),
            delivered=str(delivery.delivered),
            failed=str(delivery.failed),
            blocked=str(delivery.blocked),
            pending=str(delivery.pending),
        )
    ]
    if delivery.waiting:
        lines.append(text("report_waiting", lang, count=str(delivery.waiting)))
    if delivery.repeated:
        lines.append(text("report_repeated", lang, count=str(delivery.repeated)))
    return "\n".join(lines)


def copy_key(job: Job) -> str:
    """What names a copy to a platform that takes our own message id (bot.delivery.sender `send_once`):
    the same on every attempt, so a send repeated after a crash cannot arrive twice."""
    return f"outbox:{job.copy_id}"


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
