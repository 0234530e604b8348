"""Synthetic events for the report benchmark: a year of realistic traffic, written with executemany."""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

from sqlite_utils import Database

from bot.common.vocab import COUNTIES, IP_TOPICS, STATION_TYPES
from bot.storage.events import ASKED, REFERRAL_COLUMNS, referral_columns

CHANNELS = ("telegram", "wecom", "console")
COLUMNS = ("id", "kind", "time", "channel", "user", "county", "language", "question", "topic", "intent",
           "decision", "score", "reply_to", "internal", "detail", "rating", *REFERRAL_COLUMNS)
STEMS = ("商标注册要多久", "专利年费怎么交", "质押贷款利率多少", "地理标志怎么申请", "版权登记费用", "建盏能注册商标吗",
         "茶叶品牌被仿冒怎么办", "开放许可使用费", "知识产权保险理赔", "专利密集型产品认定")


def question_pool(rng: random.Random, size: int = 4000) -> list[str]:
    """Distinct normalised questions: stems with small edits, so near-duplicates exist."""
    suffixes = ("", "呢", "啊", "流程", "费用", "条件", "时间", "材料", "在哪办", "多少钱")
    pool = {rng.choice(STEMS) + rng.choice(suffixes) + str(rng.randint(0, 400)) for _ in range(size * 2)}
    return sorted(pool)[:size]


def seed(db: Database, count: int, end: datetime, days: int = 360, seed_value: int = 7) -> None:
    """Write `count` events over the `days` before `end`: questions, choices, feedback, referrals,
    handoffs."""
    rng = random.Random(seed_value)
    start = end - timedelta(days=days)
    span = int((end - start).total_seconds())
    users = [f"{rng.getrandbits(128):032x}" for _ in range(8000)]
    texts = question_pool(rng)
    intents = {topic: [f"{topic[:3]}_{i}" for i in range(12)] for topic in IP_TOPICS}
    seconds = sorted(rng.randrange(span) for _ in range(count))
    rows, answers, clarifies = [], [], []
    for event_id, offset in enumerate(seconds, start=1):
        when = (start + timedelta(seconds=offset)).isoformat(timespec="seconds")
        user, internal = rng.choice(users), int(rng.random() < 0.04)
        county, topic = rng.choice(COUNTIES + ("city", None)), rng.choice(IP_TOPICS)
        roll = rng.random()
        if roll < 0.10 and answers:
            value = rng.choice(("up", "up", "down"))
            row = ("feedback", None, None, None, None, rng.choice(answers), json.dumps({"value": value}))
        elif roll < 0.16 and clarifies:
            row = ("choice", topic, rng.choice(intents[topic]), "answer", None, rng.choice(clarifies), None)
        elif roll < 0.21:
            detail = {"station": f"st{rng.randrange(40):02d}", "type": rng.choice(STATION_TYPES),
                      "county": rng.choice(COUNTIES), "topic": topic, "rank": 1, "via": "question",
                      "sample": True}
            row = ("referral", topic, None, None, None, None, json.dumps(detail, ensure_ascii=False))
        elif roll < 0.23:
            row = ("handoff", None, "handoff", None, rng.choice(texts), None, None)
        else:
            decision = rng.choices(("answer", "clarify", "fallback"), (70, 12, 18))[0]
            intent = rng.choice(intents[topic]) if decision != "fallback" else None
            question = rng.choice(texts)  # kept as written too ({"asked": …}), as the Engine keeps it
            row = ("question", topic if decision != "fallback" else "out_of_scope", intent, decision,
                   question, None, json.dumps({ASKED: f"{question}？"}, ensure_ascii=False))
            (answers if decision == "answer" else clarifies if decision == "clarify" else []).append(event_id)
        kind, topic, intent, decision, question, reply_to, detail = row
        referral = referral_columns(json.loads(detail), {"county": county, "topic": topic}) if kind == "referral" else {}
        rows.append((event_id, kind, when, rng.choice(CHANNELS), user, county, "zh", question, topic, intent,
                     decision, 80.0 if decision else None, reply_to, internal, detail,
                     json.loads(detail)["value"] if kind == "feedback" else None,
                     *(referral.get(column) for column in REFERRAL_COLUMNS)))
    placeholders = ", ".join("?" for _ in COLUMNS)
    with db.conn:
        db.conn.executemany(f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({placeholders})", rows)
