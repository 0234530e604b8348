"""The calibrated decision: a logistic model over the ranking, fitted k-fold, read by the Engine."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bot.answering.calibration import Ranking, fit, folds, out_of_fold, probability
from bot.answering.engine import Engine
from bot.answering.evaluate import Outcome, Question, RankedRow, fitted, k_fold, outcomes
from bot.answering.ports import Message


def ranking(top: float, lead: float = 20, coverage: float = 1.0, tokens: int = 4) -> Ranking:
    return Ranking(top, top - lead, coverage, tokens)


def separable() -> tuple[list[Ranking], list[bool]]:
    """Right when the top score is high, wrong when it is low (with a little overlap)."""
    rows = [ranking(s) for s in range(30, 100, 2)] * 10
    return rows, [r.top >= 60 or r.top == 40 for r in rows]


def test_fitted_probability_rises_with_the_top_score() -> None:
    weights = fit(*separable())
    assert probability(weights, ranking(90)) > 0.9 > 0.2 > probability(weights, ranking(30))
    assert probability(weights, ranking(50)) < probability(weights, ranking(70))


def test_probability_is_a_probability_even_for_extreme_weights() -> None:
    assert probability((500.0, 500.0, 0, 0, 0), ranking(100)) == pytest.approx(1.0)
    assert probability((-500.0, 0, 0, 0, 0), ranking(0)) == pytest.approx(0.0)


def test_folds_cover_every_item_once() -> None:
    parts = folds(23, 5)
    assert sorted(np.concatenate(parts).tolist()) == list(range(23))
    assert all(len(p) in (4, 5) for p in parts)


def test_out_of_fold_never_predicts_an_item_it_was_trained_on() -> None:
    def train_and_predict(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        assert not set(train) & set(test)
        return test * 10

    assert out_of_fold(12, 4, train_and_predict).tolist() == [i * 10 for i in range(12)]


def _rows() -> list[RankedRow]:
    rows = []
    for r, right in zip(*separable()):
        topic = "trademark" if right else "patent"
        rows.append(RankedRow(Question(f"q{r.top}", "trademark"), None, topic, r, "答"))
    rows.append(RankedRow(Question("你好", "out_of_scope"), Outcome("answer", "smalltalk", "sm"), "smalltalk", None))
    return rows


def test_thresholds_are_fitted_for_the_objective_and_fixed_outcomes_are_kept() -> None:
    weights, answer, clarify = fitted(_rows())
    decided = dict((q.text, o) for q, o in outcomes(_rows(), weights, answer, clarify))
    assert decided["q90"].decision == "answer" and decided["q90"].topic == "trademark"
    assert decided["q30"].decision != "answer"
    assert decided["你好"].topic == "smalltalk"


def test_k_fold_decides_every_row() -> None:
    pairs = k_fold(_rows(), 3)
    assert [q.text for q, _ in pairs] == [r.question.text for r in _rows()]


def _calibrated(settings, **values):
    return replace(settings, matching=replace(settings.matching, calibration=(-8.0, 14.0, 0.0, 0.0, 0.0), **values))


@pytest.mark.parametrize(
    ("answer", "clarify", "decision"), [(0.0, 0.0, "answer"), (1.0, 0.0, "clarify"), (1.0, 1.0, "fallback")]
)
def test_engine_decides_on_the_calibrated_probability(
    fixture_kb, settings, fresh_db, clock, answer: float, clarify: float, decision: str,
) -> None:
    engine = Engine(fixture_kb, _calibrated(settings, answer_probability=answer, clarify_probability=clarify), fresh_db, clock)
    reply = engine.handle(Message("test", "u1", "商标注册要多久"))
    assert reply.decision == decision
    assert 0.0 < reply.confidence < 1.0
    if decision != "fallback":
        assert reply.topic == "trademark"


def test_uncalibrated_engine_reports_no_confidence(engine: Engine) -> None:
    assert engine.handle(Message("test", "u1", "商标注册要多久")).confidence is None


@pytest.mark.parametrize("weights", ["[1, 2]", "[a, b, c, d, e]"])
def test_malformed_calibration_is_a_config_error(tmp_path, weights: str) -> None:
    from bot.common.config import ConfigError, load_settings

    path = tmp_path / "config.yaml"
    path.write_text(f"matching:\n  calibration: {weights}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="matching.calibration needs 5 numbers"):
        load_settings(path, environ={})


def test_calibration_weights_are_read_from_config(tmp_path) -> None:
    from bot.common.config import load_settings

    path = tmp_path / "config.yaml"
    path.write_text("matching:\n  calibration: [-2.5, 3.2, 1.0, 2.1, 0.7]\n  answer_probability: 0.8\n", encoding="utf-8")
    matching = load_settings(path, environ={}).matching
    assert matching.calibration == (-2.5, 3.2, 1.0, 2.1, 0.7) and matching.answer_probability == 0.8
