"""The Engine: one synchronous entry for every channel. Message in, Reply out, an event recorded."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, Callable

from sqlite_utils import Database

from bot.answering.calibration import Ranking, probability
from bot.answering.context import Conversations, Turn
from bot.answering.followup import SubjectFit
from bot.answering.matcher import SMALLTALK_MIN, Candidate, Matcher
from bot.answering.parts import ask_clause, asked_aspects, one_part, with_tokens
from bot.answering.policy import (
    ACK,
    HELP,
    MENU,
    NOISE,
    NUMBER,
    QUESTION,
    Opening,
    OpeningPolicy,
    english_words,
)
from bot.answering.ports import (
    ANSWER,
    CLARIFY,
    FALLBACK,
    HANDOFF_INTENT,
    HANDOFF_PREFIX,
    TOPIC_PREFIX,
    Choice,
    Handoff,
    HandoffDesk,
    Message,
    Reading,
    Reply,
)
from bot.answering.replies import Replies
from bot.answering.scope import Scope, ScopeReading
from bot.common.clock import Clock, parse_utc_iso
from bot.common.config import Settings
from bot.common.typed import without_surrogates
from bot.common.vocab import (
    OUT_OF_SCOPE,
    SMALLTALK,
    canonical_county,
    county_in_text,
)
from bot.i18n.texts import text
from bot.knowledge.base import Entry, KnowledgeBase
from bot.knowledge.menus import GROUP_PREFIX, groups_of
from bot.language.normalize import (
    TRADITIONAL,
    Analysis,
    chinese_script,
    looks_english,
    to_simplified,
)
from bot.stations.directory import (
    Directory,
    Ranked,
    nearest,
    stations_of,
    valid_coordinates,
)
from bot.stations.referrals import (
    SERVICE_STATION,
    VIA_QUESTION,
    WHERE_PREFIX,
    WHERE_TOPIC_PREFIX,
    StationRequest,
    is_where_intent,
    location_request,
    offers_handoff,
    referral_detail,
    request_for_intent,
    request_from_question,
    stations_text,
)
from bot.storage.events import ASKED, INTERNAL_CHANNELS, EventLog
from bot.storage.store import salts

MAX_QUESTION_CHARS = 500
_BARE_PLACE = re.compile(r"^\s*(?:我们?(?:公司|企业)?在|在|i am in|i'm in|in)\s*|[\s。.!！]+$", re.IGNORECASE)
OFF_TOPIC_SHARE = 0.15  # a question this much about another domain is not answered (车辆质押贷款)
FOLLOW_UP_MAX_TOKENS = 4  # a follow-up is short …
MARKED_FOLLOW_UP_MAX_TOKENS = 8  # … unless it opens with 那 / and / what about


def one_message(method: Callable[..., Reply]) -> Callable[..., Reply]:
    """An Engine method that handles one message: everything it writes is one transaction (one commit,
    however many events), and its Reply leaves in the script of its language (the one place replies convert)."""
    @wraps(method)
    def converted(engine: Engine, *args: object, **kwargs: object) -> Reply:
        with engine.db.atomic():
            reply = method(engine, *args, **kwargs)
        return reply.in_own_script()
    return converted


@dataclass
class _Decision:
    decision: str
    candidates: list[Candidate]
    analysis: Analysis
    smalltalk: Candidate | None = None
    gated: bool = False  # a fallback decided before any threshold: no IP subject, or another domain
    confidence: float | None = None  # calibrated P(top entry right); None when not calibrated
    rule: str = ""  # the rule that decided, with its figures (explanations: Engine.reading)
    asked: Analysis | None = None  # a multi-part question as asked, when one of its parts decided
    part_bests: tuple[Entry, ...] = ()  # then the best entry of each part, in the order asked

    def strength(self) -> tuple[int, float]:
        """Answer beats clarify beats fallback; then the higher score."""
        rank = {ANSWER: 2, CLARIFY: 1}.get(self.decision, 0)
        return rank, self.candidates[0].score if self.candidates else 0.0


class Engine:
    """Matches questions against the knowledge base and records every exchange as an event."""

    def __init__(self, kb: KnowledgeBase, settings: Settings, db: Database, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.db = db
        self.events = EventLog(db, salts(db))
        self.conversations = Conversations(timedelta(minutes=settings.context_ttl_minutes))
        self.desk: HandoffDesk | None = None  # without one, a handoff is refused politely
        self.load(kb)

    def load(self, kb: KnowledgeBase) -> None:
        """Switch to a (checked) knowledge base; the old one serves until this returns."""
        matcher = Matcher(kb, self.settings.matching)
        opening = OpeningPolicy(kb.normalizer, _menu_targets(kb), english_words(kb.entries.values()))
        self.kb, self.matcher, self.opening, self.scope = kb, matcher, opening, Scope(kb)
        self.subject_fit = SubjectFit(matcher, kb.normalizer, kb.lexicon.subjects)
        self.replies = Replies(kb, self.settings)

    @property
    def stations(self) -> Directory:
        """The service-station directory of the current knowledge base."""
        return stations_of(self.kb)

    # ---- public API -------------------------------------------------------------------------

    @one_message
    def handle(self, message: Message) -> Reply:
        """Answer one free-text message."""
        now = message.now or self.clock.now()
        user = self.events.user(message.channel, message.user_id)
        question = message.text.strip()[:MAX_QUESTION_CHARS]
        if self.opening.asks_for_person(question):
            return self._handoff(message, user, now, self._language(message, user))
        opening = self.opening.classify(question)
        lang = self._opening_language(message, opening, user)
        analysis = self.kb.normalizer.analyze(question)
        if opening.kind != QUESTION:
            return self._opening(message, user, now, lang, opening, analysis)
        in_county = self._where_in_county(user, now, question)
        if in_county:
            return self._show_stations(message, user, now, lang, in_county, "question", analysis.key)
        context = self.conversations.context(user, now)
        request = self._station_request(message, analysis, question, context)
        decided = self._decide(analysis, context, question)
        other_parts = self._other_parts(decided)
        if other_parts:  # 费用、多久、去哪办 in one message: the main part answered, the rest offered
            decided = replace(decided, decision=ANSWER)
        if request and not other_parts and not (request.answer_first and decided.decision != FALLBACK):
            return self._show_stations(
                message, user, now, lang, request, "question", analysis.key, related=self._related_entry(decided)
            )
        reply = self.replies.with_other_parts(
            self._reply_for(decided, lang, now, question), other_parts, lang, asks_where=bool(request)
        )
        matched = decided.analysis.tokens
        event_id = self.events.record(
            "question", time=now, channel=message.channel, user=user, internal=message.internal,
            county=message.county or county_in_text(question), language=lang,
            question=analysis.key, topic=reply.topic, intent=reply.intent,
            decision=reply.decision, score=reply.score, detail={ASKED: question},
        )
        meant = question
        if context and decided.analysis is not analysis:  # read as a follow-up of the last question
            meant = text("question_in_context", lang, question=question, context=context.typed or context.question)
        self._remember(user, now, event_id, reply, meant, matched, self._guesses(decided), asked=question)
        return replace(reply, event_id=event_id)

    @one_message
    def answer_intent(self, intent_id: str, message: Message) -> Reply:
        """Answer a pressed choice: an entry id, `topic:<topic>` for a menu, `handoff`, or
        `where`, `where:<entry id>`, `where:topic:<topic>` for the stations that serve it."""
        now = message.now or self.clock.now()
        user = self.events.user(message.channel, message.user_id)
        lang = self._language(message, user)
        intent_id = without_surrogates(intent_id)
        if intent_id == HANDOFF_INTENT or intent_id.startswith(HANDOFF_PREFIX):
            return self._handoff(message, user, now, lang, about=_event_of(intent_id))
        request = self._pressed_where(intent_id, message, user, lang) if is_where_intent(intent_id) else None
        if request:
            return self._show_stations(message, user, now, lang, request, "choice")
        if intent_id.startswith(TOPIC_PREFIX):
            reply = self.replies.topic_menu(intent_id[len(TOPIC_PREFIX):], lang)
        elif intent_id.startswith(GROUP_PREFIX):
            reply = self.replies.group_menu(intent_id[len(GROUP_PREFIX):], lang)
        elif intent_id in self.kb.entries:
            reply = self.replies.answer(Candidate(self.kb.entries[intent_id], 100.0), lang, now)
        else:
            reply = self.replies.fallback(lang)
        previous = self.conversations.last(user)
        event_id = self.events.record(
            "choice", time=now, channel=message.channel, user=user, internal=message.internal,
            county=message.county, language=lang, topic=reply.topic, intent=reply.intent or intent_id,
            decision=reply.decision, score=reply.score,
            reply_to=previous.event_id if previous else None,
        )
        entry = self.kb.entries.get(intent_id)
        question = entry.title_in(lang) if entry else previous.question if previous else ""
        self._remember(user, now, event_id, reply, question,
                       self._entry_subject(entry) if entry else (), (Candidate(entry, 100.0),) if entry else ())
        return replace(reply, event_id=event_id)

    @one_message
    def stations_near(self, message: Message, lat: float, lon: float, topic: str | None = None) -> Reply:
        """The stations nearest a shared location (for `topic` if given); the position is never stored."""
        now = message.now or self.clock.now()
        user = self.events.user(message.channel, message.user_id)
        lang = self._language(message, user)
        if not valid_coordinates(lat, lon):
            return Reply(FALLBACK, SERVICE_STATION, None, 0.0, text("stations_bad_location", lang), language=lang)
        request = location_request(topic, message.county, lang)
        ranked = nearest(self.stations, lat, lon, station_types=request.station_types,
                         limit=self.settings.stations.max_results)
        if not ranked and request.county:  # no station has a position (the sample directory): the profile's county
            lead = text("stations_by_profile_county", lang, county=request.county)
            by_county = replace(request, via=VIA_QUESTION)
            return self._show_stations(message, user, now, lang, by_county, "choice", lead=lead)
        return self._show_stations(message, user, now, lang, request, "choice", ranked=ranked)

    def reading(self, message: Message) -> Reading:
        """How the matcher and the rules read a free-text question, in the user's current context, without
        answering, recording or remembering anything (for explanations: the web console's 试问)."""
        now = message.now or self.clock.now()
        user = self.events.user(message.channel, message.user_id)
        question = message.text.strip()[:MAX_QUESTION_CHARS]
        analysis = self.kb.normalizer.analyze(question)
        context = self.conversations.context(user, now)
        decided = self._decide(analysis, context, question)
        follow_up = context is not None and decided.analysis is not analysis
        return Reading(decided.decision, tuple(decided.candidates), analysis.tokens, decided.analysis.tokens,
                       decided.rule or "", follow_up, decided.confidence)

    def forget(self, channel: str, user_id: str) -> None:
        """Drop what the Engine remembers of the user's conversation (last question, follow-up context)."""
        self.conversations.forget(self.events.user(channel, user_id))

    def entry(self, intent_id: str) -> Entry | None:
        return self.kb.entries.get(intent_id)

    def record_event(self, kind: str, message: Message, **fields: Any) -> int:
        """Record an event that a channel observes (feedback, referral …) for the message's user."""
        return self.events.record(
            kind, time=message.now or self.clock.now(), channel=message.channel,
            user=self.events.user(message.channel, message.user_id), internal=message.internal,
            county=fields.pop("county", message.county), language=fields.pop("language", message.language),
            **fields,
        )

    # ---- deciding ---------------------------------------------------------------------------

    def _language(self, message: Message, user: str) -> str:
        """en for English; zh-hant for traditional characters, typed now or, when the text shows no
        script (你好, a pressed choice), asked for or used in the user's last exchange; else zh."""
        if message.language == "en" or looks_english(message.text):
            return "en"
        previous = self.conversations.last(user)
        earlier = TRADITIONAL in (message.language, previous.language if previous else None)
        return chinese_script(message.text) or (TRADITIONAL if earlier else "zh")

    def _opening_language(self, message: Message, opening: Opening, user: str) -> str:
        """ok, 99 and noise keep the language of the conversation; words (help, trademark) set it."""
        if opening.kind in (ACK, NUMBER, NOISE) and message.language is None:
            previous = self.conversations.last(user)
            return previous.language if previous else "zh"
        return self._language(message, user)

    def _is_followup(self, analysis: Analysis) -> bool:
        """Short and elliptical: 那续展呢？ 商标的呢？ 要多久？ and the fee?"""
        lexicon = self.kb.lexicon
        said = analysis.cleaned.replace(" ", "")
        if said.startswith(lexicon.followup_markers):
            return len(analysis.tokens) <= MARKED_FOLLOW_UP_MAX_TOKENS
        if len(analysis.tokens) > FOLLOW_UP_MAX_TOKENS:
            return False
        if said.endswith(lexicon.followup_endings):
            return True
        anchors = set(lexicon.anchors.values())
        return not anchors & self.kb.normalizer.search_tokens(analysis)

    def _is_elliptical(self, said: Analysis) -> bool:
        """纸质的呢？ 那续展呢？ — marked as a follow-up and naming at most one thing: its subject is the
        context's, so the scope decision reads it with its context (明天天气怎么样 is read as typed)."""
        lexicon = self.kb.lexicon
        typed = said.cleaned.replace(" ", "")
        marked = typed.startswith(lexicon.followup_markers) or typed.endswith(lexicon.followup_endings)
        return marked and self.scope.read(said).content <= 1

    def _followup_query(self, analysis: Analysis, turn: Turn) -> Analysis:
        """Read an elliptical question in the light of the last one: 费用呢？ 年费能减多少？ keep the subject
        (商标续展, 开放许可) with the new aspect; 那续展呢？ names a new subject and keeps what was asked
        (多久); 商标的呢？ takes the place of the last subject of its kind (专利质押 → 商标质押); anything
        else (是哪年开始的？) adds to the last question."""
        aspects = self.kb.lexicon.aspects
        anchor = self.kb.lexicon.anchors.get(turn.entry.topic, "") if turn.entry else ""
        earlier = list(turn.tokens)
        if self.subject_fit.new_subjects(analysis, earlier):  # 商标的呢 after 专利质押: 专利 gives way
            earlier = self.subject_fit.without_other_subjects(earlier, anchor)
        before = [t for t in earlier if t not in aspects]
        asked = [t for t in earlier if t in aspects]
        changes_subject = turn.entry is not None and self._changes_subject(analysis, turn.entry)
        if not changes_subject and any(t in aspects for t in analysis.tokens):  # its own aspect replaces the last
            words = [*before, *analysis.tokens]
        elif changes_subject:
            words = [anchor, *analysis.tokens, *asked]
        else:
            words = [*earlier, *analysis.tokens]
        return with_tokens(analysis, words)

    def _decide(self, analysis: Analysis, turn: Turn | None, typed: str = "") -> _Decision:
        if not self.matcher.has_domain_word(analysis):
            small = self.matcher.smalltalk(analysis)
            if small:
                return _Decision(ANSWER, [small], analysis, smalltalk=small,
                                 rule=f"small talk: {small.score:g} >= {SMALLTALK_MIN} and no IP word")
        if not (turn and turn.entry and self._is_followup(analysis)):  # a follow-up leans on an answer
            return self._decide_main_clause(analysis, typed)
        new_subjects = self.subject_fit.new_subjects(analysis, turn.tokens)
        if new_subjects and not self.subject_fit.fits(turn.entry.topic, new_subjects):  # 那专利呢 after 商标费用
            kept = self.subject_fit.without_other_subjects(turn.tokens, "")
            anchored = tuple(t for t, word in self.kb.lexicon.anchors.items() if word in new_subjects)
            return self._decide_parts(with_tokens(analysis, [*analysis.tokens, *kept]), prefer=anchored)
        changes_subject = self._changes_subject(analysis, turn.entry)
        if changes_subject and not self._fits_topic(analysis, turn.entry.topic):
            return self._decide_alone(self._with_asked_aspects(analysis, turn))  # 那续展呢 after a licence answer
        # A new subject (那续展呢) is never answered with the answer just given.
        repeat = turn.entry.id if changes_subject else None
        in_context = self._decide_alone(
            self._followup_query(analysis, turn), prefer=(turn.entry.topic, *turn.entry.follow_ups),
            avoid=repeat, said=analysis,
        )
        names_subject = bool(set(analysis.tokens) & self.kb.lexicon.subjects)
        if in_context.decision != FALLBACK and not names_subject:
            return in_context  # 要带什么材料？ 共同申请呢？ lean on the last question
        return max(in_context, self._decide_alone(analysis), key=_Decision.strength)

    def _decide_main_clause(self, analysis: Analysis, typed: str) -> _Decision:
        """A long message is a story, then what it asks (……价格比我们低一半，我该从哪里开始维权): the aspects
        only the story names (价格) are not asked. Where no entry answers the whole, the asking clauses with
        the story's IP words (商标, 侵权) are read alone; that reading only offers its best entries as
        choices where the whole fell back (it is read from less than was said)."""
        clause = ask_clause(typed) if len(analysis.tokens) > self.settings.matching.long_question_tokens else ""
        if not clause:
            return self._decide_parts(analysis)
        asked = self.kb.normalizer.analyze(clause)
        aspects = self.kb.lexicon.aspects
        analysis = with_tokens(analysis, [t for t in analysis.tokens if t not in aspects or t in asked.tokens])
        whole = self._decide_parts(analysis)
        if whole.decision != FALLBACK or whole.gated:
            return whole
        story_ip_words = [t for t in analysis.tokens if t not in asked.tokens and self._is_domain_word(analysis, t)]
        main = self._decide_parts(with_tokens(analysis, [*story_ip_words, *asked.tokens]))
        return replace(main, decision=CLARIFY, rule=f"main clause: {main.rule}") if main.decision != FALLBACK else whole

    def _is_domain_word(self, analysis: Analysis, token: str) -> bool:
        return self.matcher.has_domain_word(with_tokens(analysis, [token]))

    def _decide_parts(self, analysis: Analysis, prefer: tuple[str, ...] = ()) -> _Decision:
        """A question asking several aspects (材料、费用、多久) is decided on its parts, each read with the
        subject alone: the main part is the first one asked that gets an answer (else the strongest); the
        others are offered as choices (`_other_parts`)."""
        each_part = self._each_part(analysis)
        if not each_part:
            return self._decide_alone(analysis, prefer)
        parts = [self._decide_alone(part, prefer, said=analysis) for part in each_part]
        answered = [p for p in parts if p.decision == ANSWER]
        main = answered[0] if answered else max(parts, key=_Decision.strength)
        bests = tuple(p.candidates[0].entry for p in parts if p.candidates)
        return replace(main, asked=analysis, part_bests=bests)

    def _decide_alone(
        self, analysis: Analysis, prefer: tuple[str, ...] = (), avoid: str | None = None,
        said: Analysis | None = None,
    ) -> _Decision:
        """Gate, rank and apply the thresholds to one (possibly context-completed) question;
        `said` is what the user typed, judged alone for words of another domain."""
        candidates = [
            c for c in self.matcher.rank(analysis, prefer) if c.entry.topic != SMALLTALK and c.entry.id != avoid
        ]
        if not candidates or not self._about_ip(analysis, candidates[0]):
            return _Decision(FALLBACK, candidates, analysis, gated=True,
                             rule="gate: no IP word, no close phrasing, the best entry explains too little of it")
        scope = self.scope.read(analysis if said is None or self._is_elliptical(said) else said)
        if not scope.about_ip:
            return _Decision(FALLBACK, candidates, analysis, gated=True, rule=f"gate: not about IP ({scope.explain()})")
        foreign = self._mostly_another_domain(said or analysis, candidates[0].entry, scope)
        if foreign:
            return _Decision(FALLBACK, candidates, analysis, gated=True,
                             rule=f"gate: mostly about another domain ({' '.join(foreign)})")
        matching = self.settings.matching
        if matching.calibration:
            return self._decide_calibrated(analysis, candidates)
        # Uncalibrated (`calibration: []`): a long, rambling question scores lower against short
        # phrasings, so its thresholds are scaled down.
        scale = min(1.0, (matching.long_question_tokens / max(1, len(analysis.tokens))) ** matching.long_question_easing)
        top = candidates[0].score
        runner_up = candidates[1].score if len(candidates) > 1 else 0.0
        lead = top - runner_up
        answer_at, clarify_at = matching.answer_threshold * scale, matching.clarify_threshold * scale
        figures = f"top {top:g}, lead {lead:.1f}"
        rival = next((c.score for c in candidates[1:] if c.entry.topic != candidates[0].entry.topic), 0.0)
        if top >= clarify_at and top - rival < matching.topic_margin:  # unsure which topic: offer both
            return _Decision(CLARIFY, candidates, analysis, rule=f"{figures}: another topic's best {rival:g} is "
                             f"within {matching.topic_margin:g}")
        if top >= answer_at and lead >= matching.answer_margin:
            return _Decision(ANSWER, candidates, analysis,
                             rule=f"{figures}: top >= answer {answer_at:.1f} and lead >= margin {matching.answer_margin:g}")
        if top >= clarify_at and lead >= matching.answer_lead:  # lower score, clear winner
            return _Decision(ANSWER, candidates, analysis,
                             rule=f"{figures}: top >= clarify {clarify_at:.1f} and lead >= {matching.answer_lead:g}")
        if top >= clarify_at:
            return _Decision(CLARIFY, candidates, analysis, rule=f"{figures}: top >= clarify {clarify_at:.1f}, "
                             f"below answer {answer_at:.1f} or lead below {matching.answer_lead:g}")
        return _Decision(FALLBACK, candidates, analysis, rule=f"{figures}: top below clarify {clarify_at:.1f}")

    def _decide_calibrated(self, analysis: Analysis, candidates: list[Candidate]) -> _Decision:
        """Answer, offer choices or fall back on the calibrated probability that the top entry is right."""
        matching = self.settings.matching
        ranking = Ranking(
            candidates[0].score, candidates[1].score if len(candidates) > 1 else 0.0,
            self.matcher.coverage(analysis, candidates[0].entry), len(analysis.tokens),
        )
        confidence = probability(matching.calibration, ranking)
        if confidence >= matching.answer_probability:
            decision = ANSWER
        elif confidence >= matching.clarify_probability:
            decision = CLARIFY
        else:
            decision = FALLBACK
        rule = (f"calibrated P(top right) {confidence:.2f} against answer {matching.answer_probability:g}"
                f" and clarify {matching.clarify_probability:g}")
        return _Decision(decision, candidates, analysis, confidence=round(confidence, 4), rule=rule)

    def _changes_subject(self, analysis: Analysis, entry: Entry) -> bool:
        """The follow-up names an IP word (续展) that the previous answer never mentions."""
        named = [t for t in self.kb.normalizer.search_tokens(analysis) if t in self.matcher.domain_words]
        return bool(named) and not self.matcher.mentions(entry, named)

    def _other_parts(self, decided: _Decision) -> list[Entry]:
        """A question that asks several things (费用, 多久, 材料 …) about one subject: besides the main
        entry, the entry that best answers each other aspect, within the same topic."""
        if decided.decision == FALLBACK or decided.smalltalk or decided.gated:
            return []
        main = decided.candidates[0].entry
        bests = decided.part_bests or self._part_bests(decided.analysis)
        parts: list[Entry] = []
        for best in bests:
            if best.topic == main.topic and best.id != main.id and best not in parts:
                parts.append(best)
        return parts

    def _part_bests(self, analysis: Analysis) -> tuple[Entry, ...]:
        """The best entry of each aspect a (follow-up) question asks, when it asks two or more."""
        ranked = (self.matcher.rank(part, limit=1) for part in self._each_part(analysis))
        return tuple(r[0].entry for r in ranked if r)

    def _each_part(self, analysis: Analysis) -> list[Analysis]:
        """A question asking two or more aspects as one question per aspect (with its subject), else []."""
        aspects = self.kb.lexicon.aspects
        asked = asked_aspects(analysis, aspects)
        return [one_part(analysis, aspect, aspects) for aspect in asked] if len(asked) >= 2 else []

    def _fits_topic(self, analysis: Analysis, topic: str) -> bool:
        """Every IP word the follow-up names is used by some entry of the previous answer's topic."""
        named = [t for t in self.kb.normalizer.search_tokens(analysis) if t in self.matcher.domain_words]
        entries = [e for e in self.kb.entries.values() if e.topic == topic]
        return all(any(self.matcher.mentions(e, [word]) for e in entries) for word in named)

    def _with_asked_aspects(self, analysis: Analysis, turn: Turn) -> Analysis:
        """A new subject keeps what the last question asked (多久 in 开放许可要多久 → 那续展呢)."""
        asked = [t for t in turn.tokens if t in self.kb.lexicon.aspects and t not in analysis.tokens]
        words = [*analysis.tokens, *asked]
        return with_tokens(analysis, words)

    def _mostly_another_domain(self, analysis: Analysis, best: Entry, scope: ScopeReading) -> list[str]:
        """The words of another domain (车辆, 印刷) the best entry never uses, when they make up much of the
        question; else none."""
        foreign = self._another_domains_words(analysis, best, scope)
        return foreign if foreign and len(foreign) >= OFF_TOPIC_SHARE * max(1, len(analysis.tokens)) else []

    def _another_domains_words(self, analysis: Analysis, best: Entry, scope: ScopeReading) -> list[str]:
        """The listed words of other domains the best entry never uses. A word the knowledge base itself
        uses (房产, 营业执照: its answers contrast IP with them) is another domain's only when no right is
        what is asked about (没有房产，能用商标质押贷款吗 and 软著登记需要营业执照吗 are IP questions)."""
        words = self.matcher.off_topic_words(analysis, best)
        return [w for w in words if not self.scope.is_known(w)] if scope.rights else words

    def _about_ip(self, analysis: Analysis, best: Candidate) -> bool:
        """The question names an IP word, matches a phrasing very closely, or the best entry explains most of it."""
        matching = self.settings.matching
        return (
            self.matcher.has_domain_word(analysis)
            or best.score >= matching.strong_match
            or self.matcher.coverage(analysis, best.entry) >= matching.coverage_gate
        )

    # ---- replies ----------------------------------------------------------------------------

    def _reply_for(self, decided: _Decision, lang: str, now: datetime, question: str) -> Reply:
        if decided.decision == ANSWER:
            return replace(self.replies.answer(decided.smalltalk or decided.candidates[0], lang, now, question),
                           confidence=decided.confidence)
        if decided.decision == CLARIFY:
            return replace(self.replies.clarify(decided.candidates, lang), confidence=decided.confidence)
        return replace(self.replies.fallback(lang), confidence=decided.confidence)

    def _opening(
        self, message: Message, user: str, now: datetime, lang: str, opening: Opening, analysis: Analysis
    ) -> Reply:
        """Reply to what people type first (商标, 帮助, ok, 99, noise): never a guess, never the last answer
        again. A menu or help replaces the conversation's context; ok, numbers and noise leave it as it was."""
        previous = self.conversations.last(user)
        reply = self.replies.opening(opening, lang, previous, now)
        event_id = self.events.record(
            "question", time=now, channel=message.channel, user=user, internal=message.internal,
            county=message.county, language=lang, question=analysis.key, topic=reply.topic,
            intent=reply.intent, decision=reply.decision, score=reply.score,
        )
        if opening.kind in (MENU, HELP):
            self._remember(user, now, event_id, reply, message.text.strip()[:MAX_QUESTION_CHARS], (), ())
        return replace(reply, event_id=event_id)

    # ---- stations ---------------------------------------------------------------------------

    def _pressed_where(self, intent_id: str, message: Message, user: str, lang: str) -> StationRequest | None:
        """The request of a pressed where-choice. Under an answer (`where:<entry id>`) the county named in
        the question it answered wins; `where` and `where:topic:…` (a command's) take the message's."""
        if not self.stations:
            return None
        county = message.county
        if intent_id.startswith(WHERE_PREFIX) and not intent_id.startswith(WHERE_TOPIC_PREFIX):
            previous = self.conversations.last(user)
            county = (county_in_text(previous.question) if previous else None) or county
        return request_for_intent(intent_id, self.kb.entries, lang, county=county, industry=message.industry)

    def _station_request(
        self, message: Message, analysis: Analysis, question: str, context: Turn | None
    ) -> StationRequest | None:
        """The stations a free-text question asks for (我在邵武，商标去哪办), or None."""
        if set(analysis.tokens) & self.kb.lexicon.off_topic_words or not self.scope.read(analysis).about_ip:
            return None
        return request_from_question(
            question, analysis.cleaned, self.stations, county=message.county, industry=message.industry,
            context=context.entry if context else None,
        )

    def _where_in_county(self, user: str, now: datetime, typed: str) -> StationRequest | None:
        """A bare county name (邵武, 我在邵武) typed right after a stations reply: that request in that county."""
        turn = self.conversations.last(user)
        if turn is None or turn.where is None or now - turn.at > timedelta(minutes=self.settings.context_ttl_minutes):
            return None
        county = canonical_county(_BARE_PLACE.sub("", typed))
        return replace(turn.where, county=county, via=VIA_QUESTION, question=typed) if county else None

    @staticmethod
    def _related_entry(decided: _Decision) -> Entry | None:
        """The entry a where-question also matches: offered next to the stations, and kept as context."""
        if decided.decision == FALLBACK or decided.smalltalk or not decided.candidates:
            return None
        return decided.candidates[0].entry

    def _show_stations(
        self, message: Message, user: str, now: datetime, lang: str, request: StationRequest, kind: str,
        question_key: str | None = None, ranked: list[Ranked] | None = None, related: Entry | None = None,
        lead: str = "",
    ) -> Reply:
        """List the stations for `request`, record the request and one `referral` event per station shown;
        `related` (an entry the question also matches) is offered as a choice; `lead` opens the reply."""
        if ranked is None:
            ranked = request.rank(self.stations, self.settings.stations.max_results)
        handoff = offers_handoff(ranked)
        choices: tuple[Choice, ...] = (self.replies.choice(related, lang),) if related else ()
        if handoff:
            choices += (Choice(HANDOFF_INTENT, request.reply_topic, text("handoff_choice", lang)),)
        body = "\n".join(filter(None, (lead, stations_text(ranked, request, self.stations, lang))))
        reply = Reply(
            ANSWER if ranked else FALLBACK, request.reply_topic, request.intent, 100.0 if ranked else 0.0,
            body, choices, request.station_types, language=lang,
        )
        previous = self.conversations.last(user)
        common: dict[str, Any] = dict(time=now, channel=message.channel, user=user, internal=message.internal,
                      county=request.county, language=lang, intent=request.intent)
        event_id = self.events.record(
            kind, **common, question=question_key, topic=reply.topic, decision=reply.decision,
            score=reply.score, reply_to=previous.event_id if previous and kind == "choice" else None,
        )
        for position, item in enumerate(ranked, start=1):
            detail = referral_detail(item, request, position)
            self.events.record("referral", **common, topic=detail["topic"], reply_to=event_id, detail=detail)
        context = request.entry or related
        self.conversations.keep(user, Turn(
            now, event_id, reply.decision, request.question, context,
            tokens=self._entry_subject(context) if context else (),
            guesses=(Candidate(context, 100.0),) if context else (), typed=request.question, where=request,
            language=lang,
        ))
        return replace(reply, event_id=event_id)

    # ---- memory and handoff -----------------------------------------------------------------

    def _remember(
        self, user: str, now: datetime, event_id: int, reply: Reply, question: str, tokens: tuple[str, ...],
        guesses: tuple[Candidate, ...], asked: str | None = None,
    ) -> None:
        """`question` as the user means it; `asked` as typed, when they differ."""
        entry = self.kb.entries.get(reply.intent or "") if reply.decision != FALLBACK else None
        self.conversations.keep(user, Turn(now, event_id, reply.decision, question, entry, tokens, guesses,
                                    typed=question if asked is None else asked,
                                    language=reply.language, options=len(reply.choices)))

    def _guesses(self, decided: _Decision) -> tuple[Candidate, ...]:
        """The best candidates as the bot's guesses for a specialist (as many as a clarify offers); none
        for a question that was not about IP at all (a gated fallback); a candidate at 0 points is no guess."""
        if decided.gated or decided.smalltalk:
            return ()
        return tuple(c for c in decided.candidates[: self.settings.matching.max_choices] if c.score > 0)

    def _entry_subject(self, entry: Entry) -> tuple[str, ...]:
        """What a pressed choice is about, for a follow-up to lean on: its title's words."""
        return self.kb.normalizer.analyze(entry.title).tokens

    def _rated_turn(self, user: str, event_id: int) -> Turn | None:
        """The exchange of reply `event_id`: remembered, else rebuilt from its event (the entry it answered)."""
        remembered = self.conversations.recent(user, event_id)
        if remembered:
            return remembered
        row = next(self.db.query("select intent, time from events where id = ? and user = ?", [event_id, user]), None)
        entry = self.kb.entries.get(row["intent"] or "") if row else None
        if row is None or entry is None:
            return None
        return Turn(parse_utc_iso(row["time"]), event_id, ANSWER, entry.title, entry,
                     guesses=(Candidate(entry, 100.0),))

    def _handoff(self, message: Message, user: str, now: datetime, lang: str, about: int | None = None) -> Reply:
        """Hand the question of reply `about` (one the user rated down), else the text after 转人工, else
        the user's last question, to the specialists' desk."""
        question = self._handoff_question(message.text)[:MAX_QUESTION_CHARS]
        rated = self._rated_turn(user, about) if about is not None else None
        previous = rated or self.conversations.last(user)
        guesses = self._guesses(self._decide_alone(self.kb.normalizer.analyze(question))) if question else ()
        if not question and previous:  # any last question: unanswered, or answered but not enough
            question, guesses = previous.question, previous.guesses
        if not question:
            return Reply(FALLBACK, OUT_OF_SCOPE, HANDOFF_INTENT, 0.0, text("handoff_nothing", lang), language=lang)
        county = message.county or county_in_text(question)
        reply_to = previous.event_id if previous else None
        event_id = self.events.record(
            "handoff", time=now, channel=message.channel, user=user, internal=message.internal,
            county=county, language=lang, question=question, intent=HANDOFF_INTENT, reply_to=reply_to,
        )
        self.conversations.end(user)
        if self.desk is None:
            said = text("handoff_unavailable", lang, question=question)
        else:
            said = self.desk.open(Handoff(
                message.channel, message.user_id, user, question, county, lang, guesses, event_id, reply_to,
                now, message.internal or message.channel in INTERNAL_CHANNELS,
            ))
        return Reply(FALLBACK, OUT_OF_SCOPE, HANDOFF_INTENT, 0.0, said, event_id=event_id, language=lang)

    def _handoff_question(self, raw: str) -> str:
        """The question typed after the handoff words, if any (转人工 商标被抢注怎么办)."""
        stripped = raw.strip()
        typed = to_simplified(stripped).lower()  # 轉人工 as 转人工 (the script changes no length)
        for word in sorted(self.kb.lexicon.handoff_words, key=len, reverse=True):
            if typed.startswith(word):
                return stripped[len(word):].strip(" ：:，,。")
        return ""


def _event_of(intent_id: str) -> int | None:
    """The event id in handoff:<event id>, or None."""
    number = intent_id[len(HANDOFF_PREFIX):] if intent_id.startswith(HANDOFF_PREFIX) else ""
    return int(number) if number.isdigit() else None


def _menu_targets(kb: KnowledgeBase) -> dict[str, str]:
    """Bare words that open a menu: the lexicon's topic words, then each group's own words."""
    targets = {word: TOPIC_PREFIX + topic for word, topic in kb.lexicon.menu_words.items()}
    for group in groups_of(kb).values():
        targets.update({word: GROUP_PREFIX + group.id for word in group.words})
    return targets
