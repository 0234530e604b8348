"""Chinese typography of the chat texts: 、 and ，in lists, 「」 for words to type, “” for quotations,
times as 09:00."""
from __future__ import annotations

import re

import pytest

from bot.firms import onboarding
from bot.i18n.texts import TEXTS

CHINESE = {key: forms["zh"] for key, forms in TEXTS.items() if "zh" in forms}


@pytest.mark.parametrize("key", sorted(CHINESE))
def test_chinese_texts_use_chinese_punctuation(key: str) -> None:
    said = CHINESE[key]
    assert ", " not in said, "a Chinese list takes 、 or ，"
    assert '"' not in said and "'" not in said, "「」 for words to type, “” for quotations"
    assert not re.search(r"(?<![\d:])\d:\d\d|\{hour\}:", said), "times as 09:00"
    assert not re.search(r"加 \S+ / ", said), "alternatives to type each in 「」"


def test_a_chinese_list_of_topics_takes_the_enumeration_comma() -> None:
    assert onboarding.subscriptions_status(["trademark", "patent"], adding=False, lang="zh").count("、") == 1
