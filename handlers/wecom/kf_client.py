"""Outbound 微信客服: kf/sync_msg, kf/send_msg, kf/send_msg_on_event and kf/service_state/get, with the
self-built app's access token (the app is authorised to call the kf API), as bot.delivery.sender errors.

Session rules as outcomes: errcode 95001 (the 5 messages within 48 hours of the firm's last message are
used up) and 95018 (a human servicer holds the session) raise `SessionClosed`: the message waits for the
firm's next message and is never retried before it.
"""
from __future__ import annotations

import logging
from typing import Any

from bot.delivery.sender import PermanentError, RecipientBlocked, SessionClosed
from handlers.wecom.client import WeComClient

log = logging.getLogger(__name__)

SYNC_LIMIT = 1000  # kf/sync_msg: at most 1,000 messages a page
WINDOW_SPENT = 95001  # 发送客服消息次数限制: the session window is used up or closed
SESSION_HELD = 95018  # send msg session status invalid: a servicer (or the queue) holds the session
INVALID_EXTERNAL_USER = 40096
INVALID_OPEN_KFID = 95000
INVALID_MSG_TOKEN = 95007  # the callback's token is past its 10 minutes
# A repeated msgid: the platform refuses it. Our msgids are unique per message by construction
# (bot/delivery_kf_store.reply_msgid), so a refusal as a duplicate means it went out before a crash. The code
# is WeCom's "invalid parameter" as our fake answers it, not yet observed on the real platform
# (docs/wecom-kf.md).
DUPLICATE_MSGID = 40058
SERVICER_STATES = {0: "untreated", 1: "bot", 2: "queue", 3: "servicer", 4: "ended"}


class KfClient(WeComClient):
    """The kf endpoints over the app's cached access token (gettoken, refresh on 40014/42001)."""

    async def sync_msg(self, open_kfid: str, cursor: str, token: str = "",
                       limit: int = SYNC_LIMIT) -> dict[str, Any]:
        """One page of messages after `cursor` (`token` from the callback: without it the call is
        rate-limited hard); keys msg_list, next_cursor, has_more."""
        payload: dict[str, Any] = {"cursor": cursor, "limit": limit, "open_kfid": open_kfid}
        data = await self._with_token("kf/sync_msg", {**payload, "token": token} if token else payload)
        if token and data.get("errcode") == INVALID_MSG_TOKEN:  # stale: pull without it
            log.info("wecom_kf: the callback token for %s is stale; pulling without it", open_kfid)
            data = await self._with_token("kf/sync_msg", payload)
        self._raise_for_errcode(data, "kf/sync_msg")
        return data

    async def send_msg(self, open_kfid: str, touser: str, msgid: str, body: dict[str, Any]) -> None:
        """Send one message (`body`: msgtype and its content) with our `msgid`; one refused as a duplicate
        had gone out before (a repeat after a crash) and counts as sent."""
        payload = {"touser": touser, "open_kfid": open_kfid, "msgid": msgid, **body}
        data = await self._with_token("kf/send_msg", payload)
        if data.get("errcode") == DUPLICATE_MSGID and "msgid" in str(data.get("errmsg", "")):
            log.info("wecom_kf: %s had gone out before the restart", msgid)
            return
        await self._raise_for_session(data, open_kfid, touser)

    async def send_msg_on_event(self, code: str, msgid: str, body: dict[str, Any]) -> None:
        """The welcome answering an enter_session event (its `code` is valid 20 s, once)."""
        data = await self._with_token("kf/send_msg_on_event", {"code": code, "msgid": msgid, **body})
        self._raise_for_errcode(data, "kf/send_msg_on_event")

    async def service_state(self, open_kfid: str, external_userid: str) -> int:
        """The session's state: 0 untreated, 1 bot, 2 queue, 3 servicer, 4 ended."""
        data = await self._with_token("kf/service_state/get",
                                      {"open_kfid": open_kfid, "external_userid": external_userid})
        self._raise_for_errcode(data, "kf/service_state/get")
        return int(data.get("service_state", 0))

    async def _raise_for_session(self, data: dict[str, Any], open_kfid: str, touser: str) -> None:
        code = data.get("errcode", 0)
        if code == WINDOW_SPENT:
            raise SessionClosed("window: 5 messages within 48 h of the firm's last message used up")
        if code == SESSION_HELD:
            state = await self.service_state(open_kfid, touser)
            named = SERVICER_STATES.get(state, state)
            raise SessionClosed(f"session state {named} refuses API replies (95018)")
        if code == INVALID_EXTERNAL_USER:
            raise RecipientBlocked(f"wecom_kf: invalid external userid (errcode {code})")
        if code == INVALID_OPEN_KFID:
            raise PermanentError(f"wecom_kf: invalid open_kfid {open_kfid} (errcode {code})")
        self._raise_for_errcode(data, "kf/send_msg")
