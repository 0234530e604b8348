"""A kf puller of its own (no callback app) over the local fake: what the lease and crash tests run, in
this process or in a child process that the fake kills mid-pass."""
from __future__ import annotations

import asyncio
import os
import traceback

from wecom_fake import AGENT_ID, CORP_ID, SECRET
from wecom_kf_fake import KFID

from bot.answering.engine import Engine
from bot.app import build_services, open_db
from bot.delivery.kf_store import KfStore
from handlers.wecom.kf import KfConversation, KfPuller
from handlers.wecom.kf_client import KfClient

PAGE = 2  # messages a sync_msg page: several pages, so has_more is followed


def puller_over(engine, settings, clock, api, holder: str) -> KfPuller:
    client = KfClient(CORP_ID, SECRET, AGENT_ID, clock, transport=api.transport())
    conversation = KfConversation(build_services(settings, clock, engine=engine))
    return KfPuller(KfStore(engine.db), client, conversation, clock, holder=holder,
                    page_size=PAGE)


def pass_in_a_killed_child(kb, settings, clock, api, kill_at: str) -> int:
    """One puller pass in a child process forked from this one, which the fake SIGKILLs after the n-th
    accepted call of an endpoint (`kill_at` = "endpoint:n"), saving its state first; the child's exit
    status (-9 when killed). The child opens its own connection to the database and reuses this
    process's loaded knowledge base, so it costs no interpreter start and no knowledge loading.

    Call it outside a running event loop (`asyncio.to_thread`): the child runs the pass in a loop of its own.
    """
    endpoint, _, count = kill_at.partition(":")
    pid = os.fork()
    if pid == 0:  # the child: never returns into the test run
        try:
            api.kill_after = {endpoint: int(count)}
            engine = Engine(kb, settings, open_db(settings.db_path), clock)
            assert asyncio.run(puller_over(engine, settings, clock, api, holder="child").run_pass(KFID))
            api.save()
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(1)  # the pass ended without being killed
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)
