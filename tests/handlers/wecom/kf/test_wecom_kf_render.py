"""How a reply becomes 微信客服 messages within the published sizes (checked by the fake's check_limits)."""
from __future__ import annotations

from wecom_kf_fake import check_limits

from bot.delivery.textsplit import utf8_size
from bot.firms.onboarding import Option
from handlers.wecom.kf import bodies_of
from handlers.wecom.prompt import CHOICE, Prompt

OPTIONS = tuple(Option(f"i{n}", f"选项{n}") for n in range(1, 4))


def sent(prompt: Prompt) -> list[dict]:
    bodies = bodies_of(prompt)
    for number, body in enumerate(bodies):
        check_limits({"msgid": f"m{number}", **body})
    return bodies


def test_a_short_reply_with_choices_is_one_menu_whose_ids_are_the_numbers() -> None:
    [menu] = sent(Prompt("请选择：", "zh", CHOICE, OPTIONS, skippable=True))
    assert menu["msgmenu"]["head_content"] == "请选择："
    assert [(i["click"]["id"], i["click"]["content"]) for i in menu["msgmenu"]["list"]] == [
        ("1", "选项1"), ("2", "选项2"), ("3", "选项3"), ("0", "跳过")]


def test_a_long_text_goes_first_and_the_menu_carries_the_rest() -> None:
    long_text = "\n".join(["商标注册需要准备申请书和图样。"] * 120)  # about 5,500 bytes
    bodies = sent(Prompt(long_text, "zh", CHOICE, OPTIONS))
    assert [b["msgtype"] for b in bodies][-1] == "msgmenu" and bodies[0]["msgtype"] == "text"
    shown = "\n".join([b["text"]["content"] for b in bodies[:-1]] + [bodies[-1]["msgmenu"]["head_content"]])
    assert shown.replace("\n", "") == long_text.replace("\n", "")


def test_titles_too_long_for_a_menu_item_fall_back_to_numbered_lines() -> None:
    wordy = (Option("x", "很长的选项" * 12),)  # 180 bytes: over the 128 of a menu item
    [body] = sent(Prompt("请选择：", "zh", CHOICE, wordy))
    assert body["msgtype"] == "text" and body["text"]["content"].endswith("回复 1 选择")
    assert utf8_size(wordy[0].title) > 128


def test_a_reply_without_choices_is_text_cut_at_2048_bytes() -> None:
    bodies = sent(Prompt("答" * 1000, "zh"))  # 3,000 bytes
    assert [len(b["text"]["content"]) for b in bodies] == [682, 318]
