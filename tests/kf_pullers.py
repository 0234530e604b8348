"""A kf puller of its own (no callback app) over the local fake: what the lease and crash tests run, in
this process or a child."""
from __future__ import annotations

from wecom_fake import AGENT_ID, CORP_ID, SECRET

from bot.app import build_services
from bot.delivery.kf_store import KfStore
from handlers.wecom.kf import KfConversation, KfPuller
from handlers.wecom.kf_client import KfClient

PAGE = 2  # messages a sync_msg page: several pages, so has_more is followed


def puller_over(engine, settings, clock, api, holder: str) -> KfPuller:
    client = KfClient(CORP_ID, SECRET, AGENT_ID, clock, transport=api.transport())
    conversation = KfConversation(build_services(settings, clock, engine=engine))
    return KfPuller(KfStore(engine.db), client, conversation, clock, holder=holder,
                    page_size=PAGE)
