"""The 微信客服 channel under test: the callback app over the local kf fake, and what a firm does in WeChat."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from wecom_fake import CREDENTIALS, WeComPeer
from wecom_kf_fake import KFID, FakeKfAPI, kf_event_xml

from bot.app import build_services
from bot.common.clock import simulated_sleep
from bot.common.settings_channels import WeComSettings
from handlers.wecom.server import build_app

STAFFED = (
    "specialists:\n  wecom: [staff_li]\n"
    "handoff:\n  duty:\n    建阳区: [wecom:staff_li]\n    city: [wecom:staff_li]\n"
)


def chat(user: str) -> str:
    """The firm's chat id (and user id) on the kf channel."""
    return f"{KFID}:{user}"


@dataclass
class KfChannel:
    api: FakeKfAPI
    peer: WeComPeer
    callback: Any
    http: Any
    dispatcher: Any  # the delivery service's loop (run by the lifespan in production)

    @classmethod
    async def start(cls, engine, settings, clock) -> KfChannel:
        api = FakeKfAPI(clock=clock, visible_users={"staff_li"})
        services = build_services(settings, clock, engine=engine, sleep=simulated_sleep(clock))
        app, callback = build_app(services, CREDENTIALS, WeComSettings(), transport=api.transport())
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://wecom.test")
        return cls(api, WeComPeer(http, clock), callback, http, services.delivery.dispatcher)

    async def close(self) -> None:
        await self.callback.kf.drain()
        await self.http.aclose()
        await self.callback.sender.aclose()

    async def announce(self, token: str) -> None:
        """WeCom's kf_msg_or_event on the app's callback; the pass it starts runs to its end."""
        created = int(self.peer.clock.now().timestamp())
        response = await self.peer.post(kf_event_xml(token, created=created))
        assert response.status_code == 200 and response.content == b"", response.text
        await self.callback.kf.drain()

    async def says(self, user: str, content: str, menu_id: str = "") -> list[str]:
        """The firm writes; what it sees in reply (texts, or menus as head, [items] and tail lines)."""
        return await self._seen_after(user, self.api.customer_says(user, content, menu_id))

    async def sends(self, user: str, msgtype: str, content: dict[str, Any]) -> list[str]:
        return await self._seen_after(user, self.api.customer_sends(user, msgtype, content))

    async def enters(self, user: str, scene: str = "") -> list[str]:
        return await self._seen_after(user, self.api.enter_session(user, scene))

    async def clicks(self, user: str, title: str) -> list[str]:
        """The firm clicks the item `title` of the latest menu that has it (comes back as text with its id);
        LookupError when no menu it got has one."""
        items = [i["click"] for m in reversed(self.api.seen_by(user)) if m["msgtype"] == "msgmenu"
                 for i in m["msgmenu"]["list"] if i["click"]["content"] == title]
        if not items:
            raise LookupError(f"no menu item {title!r}")
        return await self.says(user, title, menu_id=items[0]["id"])

    async def _seen_after(self, user: str, token: str) -> list[str]:
        before = len(self.api.seen_by(user))
        await self.announce(token)
        return self.api.texts_seen_by(user)[before:]

    def last_menu(self, user: str) -> list[str]:
        menu = next(m for m in reversed(self.api.seen_by(user)) if m["msgtype"] == "msgmenu")
        return [item["click"]["content"] for item in menu["msgmenu"]["list"]]

