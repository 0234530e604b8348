"""The 微信客服 store's part in erasure: whatever erases a firm (its /forget, or any other caller of
bot.app.forget_firm) drops its queued kf replies and its pulled messages' content, keeping the msgids."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import forget_firm, open_db
from bot.delivery.kf_store import KfStore
from bot.firms.profiles import Profiles

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
CHAT, OTHER = "wkStation001:wmFirmA", "wkStation001:wmFirmB"


def pulled(store: KfStore, chat: str, msgid: str) -> None:
    """One message of `chat` pulled and answered with a reply still to send."""
    open_kfid, _, user = chat.partition(":")
    assert store.lease(open_kfid, "me", NOW, timedelta(minutes=1))
    message = {"msgid": msgid, "open_kfid": open_kfid, "external_userid": user, "text": {"content": "商标被抢注了"}}
    store.take_batch(open_kfid, "me", msgid, [message], lambda m: chat, NOW)
    [inboxed] = store.unanswered(open_kfid)
    store.answered(inboxed, chat, [{"msgtype": "text", "text": {"content": "答复"}}], NOW)


def test_erasing_a_kf_firm_anywhere_drops_its_kf_rows_but_keeps_the_msgids() -> None:
    db = open_db(":memory:")
    store, profiles = KfStore(db), Profiles(db)
    for firm, chat, msgid in (("fA", CHAT, "m1"), ("fB", OTHER, "m2")):
        profiles.ensure(firm, "wecom_kf", chat, "zh", NOW)
        pulled(store, chat, msgid)
    forget_firm(db, "fA", "uA")
    assert [r["user"] for r in db["kf_replies"].rows] == [OTHER]
    assert sorted((r["msgid"], r["user"]) for r in db["kf_inbox"].rows) == [("m1", ""), ("m2", "")]
    assert "wmFirmA" not in str(list(db["kf_inbox"].rows)) + str(list(db["kf_replies"].rows))
