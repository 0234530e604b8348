"""The eval report's calibration table: direct-answer precision per score band, short and long apart."""
from __future__ import annotations

from bot.answering.evaluate import Outcome, Question, band_table, precision_by_band, summarise
from bot.answering.ports import ANSWER, CLARIFY, FALLBACK


def _band(bands: list[dict], name: str) -> dict:
    return next(row for row in bands if row["band"] == name)


def test_direct_answers_are_counted_per_band_and_length() -> None:
    pairs = [
        (Question("商标多少钱", "trademark"), Outcome(ANSWER, "trademark", "tm_fee", "", 92.0)),
        (Question("质押找谁", "pledge_financing"), Outcome(ANSWER, "insurance", "ins_x", "", 95.0)),
        (Question("一个很长的问题", "patent"), Outcome(ANSWER, "patent", "pt_x", "", 52.0, long=True)),
        (Question("车辆质押", "out_of_scope"), Outcome(ANSWER, "pledge_financing", "pf_x", "", 53.0, long=True)),
        (Question("没回答", "patent"), Outcome(CLARIFY, "patent", "pt_x", "", 51.0)),
        (Question("也没回答", "patent"), Outcome(FALLBACK, "out_of_scope", None, "", 10.0)),
        (Question("哪里办商标", "trademark"), Outcome(ANSWER, "service_station", "where:tm_fee", "", 100.0)),
    ]
    bands = precision_by_band(pairs)
    assert _band(bands, "90–100")["short"] == {"count": 2, "precision": 0.5}
    assert _band(bands, "90–100")["long"] == {"count": 0, "precision": None}
    assert _band(bands, "50–55")["long"] == {"count": 2, "precision": 0.5}  # an answered out-of-scope question is wrong
    assert _band(bands, "50–55")["short"]["count"] == 0  # choices and fallbacks are not direct answers
    assert _band(bands, "stations")["short"] == {"count": 1, "precision": 0.0}
    assert summarise(pairs)["bands"] == bands


def test_band_table_is_markdown_with_a_row_per_band() -> None:
    pairs = [(Question("商标多少钱", "trademark"), Outcome(ANSWER, "trademark", "tm_fee", "", 61.0))]
    lines = list(band_table(precision_by_band(pairs)))
    assert lines[1] == "| top score | short questions | long questions |"
    assert "| 60–70 | 100.0% of 1 | – |" in lines
    assert lines[-1] == "| stations | – | – |"
