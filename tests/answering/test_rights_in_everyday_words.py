"""Questions that name a right (or the ® mark) among words of other domains, on the real knowledge base:
they reach their entry instead of falling back or being put out of scope (issue 13, the fallback work:
docs/answer-quality.md, "Rights that fell back")."""
from __future__ import annotations

import pytest
from test_everyday_inputs import conversation as ask
from test_everyday_inputs import real_engine  # noqa: F401  (the shared module fixture)

from bot.answering.engine import Engine


@pytest.mark.parametrize("text", [
    "瓶身上能不能印个圈R",  # a lone R against Chinese is the ® mark
    "茶罐上那个R字母是什么意思",
    "礼盒上印®要先注册吗",
])
def test_the_registered_mark_is_a_trademark_question(real_engine: Engine, text: str) -> None:  # noqa: F811
    reply = ask(real_engine, text)
    assert (reply.decision, reply.topic, reply.intent) == ("answer", "trademark", "tm_registered_symbol")
