"""The kf puller's guarantees: the sync cursor survives a kill -9 (a real child process, forked from the
test's, killed mid-pass) with no message lost or answered twice, and of two pullers started on one account
only one pulls."""
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from kf_pullers import PAGE, pass_in_a_killed_child, puller_over
from settings_helper import write_settings
from wecom_kf_fake import KFID, FakeKfAPI

from bot.answering.engine import Engine
from bot.app import open_db
from bot.delivery.kf_store import KfStore, reply_msgid

pytestmark = pytest.mark.asyncio

QUESTIONS = ("商标注册要多久", "注册商标的官费", "商标续展怎么办", "商标")  # one message each: within the 5
FIRMS = ("wmFirmA", "wmFirmB")


@pytest.fixture
def kf_settings(tmp_path: Path, kb_dir: Path):
    return write_settings(tmp_path, kb_dir)


@pytest.fixture
def engine(fixture_kb, kf_settings, clock) -> Engine:
    return Engine(fixture_kb, kf_settings, open_db(kf_settings.db_path), clock)


def firms_ask(api: FakeKfAPI) -> list[str]:
    """Each firm asks every question; the inbound msgids, in order."""
    for question in QUESTIONS:
        for firm in FIRMS:
            api.customer_says(firm, question)
    return [m["msgid"] for m in api.messages[KFID]]


def answers_per_message(api: FakeKfAPI, store: KfStore, inbound: list[str]) -> Counter:
    """How many times the first reply message of each inbound message reached the firm."""
    sent = Counter(m["msgid"] for m in api.kf_sent)
    return Counter({msgid: sent[reply_msgid(store.msgid_prefix, f"in:{msgid}", 0)] for msgid in inbound})


@pytest.mark.slow
@pytest.mark.parametrize("kill_at", ["kf/sync_msg:2", "kf/send_msg:3", "kf/send_msg:7"])
async def test_a_puller_killed_mid_pass_loses_nothing_and_answers_nothing_twice(
    kill_at, fixture_kb, engine, kf_settings, clock, tmp_path
) -> None:
    api = FakeKfAPI(clock=clock, state_file=tmp_path / "fake.pickle")
    inbound = firms_ask(api)
    status = await asyncio.to_thread(pass_in_a_killed_child, fixture_kb, kf_settings, clock, api, kill_at)
    assert status == -9  # killed as by kill -9, mid-pass (otherwise the child's traceback is in stderr)
    api.load()
    store = KfStore(engine.db)
    before = answers_per_message(api, store, inbound)
    assert sum(before.values()) < len(inbound)  # the child died with work left

    puller = puller_over(engine, kf_settings, clock, api, holder="restarted")
    assert not await puller.run_pass(KFID)  # the dead child's lease still runs
    clock.advance(timedelta(seconds=61))
    assert await puller.run_pass(KFID)

    assert answers_per_message(api, store, inbound) == Counter({msgid: 1 for msgid in inbound})
    assert store.cursor(KFID) == str(len(inbound))
    assert engine.db["kf_inbox"].count_where("status = 'new'") == 0
    assert list(engine.db["kf_replies"].rows) == []  # every reply sent (and deleted)


async def test_two_pullers_started_on_one_account_only_one_pulls(fixture_kb, engine, kf_settings, clock) -> None:
    api = FakeKfAPI(clock=clock, sync_gate=asyncio.Event())
    inbound = firms_ask(api)
    other = Engine(fixture_kb, kf_settings, open_db(kf_settings.db_path), clock)  # another process's connection
    first = puller_over(engine, kf_settings, clock, api, holder="one")
    second = puller_over(other, kf_settings, clock, api, holder="two")

    running = asyncio.create_task(first.run_pass(KFID))
    while not api.syncing:  # the first is inside sync_msg, holding the lease
        await asyncio.sleep(0)
    assert await second.run_pass(KFID) is False
    api.sync_gate.set()
    assert await running is True

    assert api.most_syncing == 1 and api.calls.count("kf/sync_msg") == -(-len(inbound) // PAGE)  # every page, once
    assert answers_per_message(api, KfStore(engine.db), inbound) == Counter({msgid: 1 for msgid in inbound})
    assert await second.run_pass(KFID) is True  # released: the other may pull now, and finds nothing new
    assert len(api.kf_sent) == first.sent
