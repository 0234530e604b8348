"""The command line: console, ask (--json and stdin), eval."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from handlers.console import run_console
from run_bot import main

ROOT = Path(__file__).resolve().parents[2]


def test_ask_json_has_the_contract_keys(settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(tmp_path / "config.yaml"), "ask", "注册商标得花多少钱", "--json"]) == 0
    reply = json.loads(capsys.readouterr().out)
    assert set(reply) == {"decision", "topic", "intent", "score", "answer", "suggestions"}
    assert (reply["decision"], reply["topic"], reply["intent"]) == ("answer", "trademark", "tm_fee")
    assert "270元" in reply["answer"]
    assert reply["suggestions"] == [
        {"intent": "tm_duration", "topic": "trademark", "title": "商标注册要多长时间"},
        {"intent": "where:tm_fee", "topic": "trademark", "title": "去哪里办？"},
    ]


def test_ask_reads_stdin_one_question_per_line_with_context(settings, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("商标注册要多久\n\n那续展呢？\n明天天气怎么样\n"))
    assert main(["--config", str(tmp_path / "config.yaml"), "ask", "-", "--json"]) == 0
    replies = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["intent"] for r in replies] == ["tm_duration", "tm_renewal", None]
    assert replies[2]["decision"] == "fallback"


def test_ask_records_cli_events_as_internal(settings, tmp_path: Path, capsys) -> None:
    main(["--config", str(tmp_path / "config.yaml"), "ask", "商标注册要多久"])
    from sqlite_utils import Database

    rows = list(Database(settings.db_path)["events"].rows)
    assert [(r["channel"], r["internal"], r["kind"]) for r in rows] == [("cli", 1, "question")]


def test_console_session_answers_and_numbers_pick_choices(engine) -> None:
    out = io.StringIO()
    run_console(engine, io.StringIO("商标注册要多久\n2\nexit\n"), out)
    text = out.getvalue()
    assert "9个月" in text
    assert "  2. 商标续展" in text
    assert "期满前12个月内办理续展" in text


def test_eval_json_keys_and_figures(settings, tmp_path: Path, capsys) -> None:
    questions = [
        {"text": "商标注册要多久", "topic": "trademark", "expect_any": ["9个月"]},
        {"text": "那续展呢", "topic": "trademark", "context": ["注册商标得花多少钱"], "expect_any": ["12个月"]},
        {"text": "質押貸款怎麼申請", "topic": "pledge_financing"},
        {"text": "明天天气怎么样", "topic": "out_of_scope"},
        {"text": "你好", "topic": "out_of_scope", "tags": ["first"]},
        {"text": "专利年费怎么交", "topic": "patent", "note": "ignored key"},
    ]
    path = tmp_path / "q.yaml"
    path.write_text(yaml.safe_dump(questions, allow_unicode=True), encoding="utf-8")
    db_before = settings.db_path.exists()
    assert main(["--config", str(tmp_path / "config.yaml"), "eval", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert list(report) == [
        "in_scope_accuracy", "answer_rate", "wrong_answer_rate", "out_of_scope_rejection",
        "expect_hit_rate", "ip_word_rejection", "by_tag", "bands", "overlap", "latency_ms", "misses",
    ]
    assert report["in_scope_accuracy"]["overall"] == 0.75  # 专利年费 is not in the fixture base
    assert report["answer_rate"]["overall"] == 0.75
    assert report["wrong_answer_rate"]["overall"] == 0.0
    assert report["out_of_scope_rejection"]["overall"] == 1.0
    assert report["expect_hit_rate"]["overall"] == 1.0
    assert report["in_scope_accuracy"]["by_topic"] == {"pledge_financing": 1.0, "patent": 0.0, "trademark": 1.0}
    # 商标注册要多久, 質押貸款怎麼申請 (traditional form of a phrasing) and 你好 are knowledge phrasings
    assert report["overlap"] == {"count": 3, "overall": 0.5}
    assert set(report["latency_ms"]) == {"p50", "p99"}
    assert [m["text"] for m in report["misses"]] == ["专利年费怎么交"]
    assert report["by_tag"]["followup"]["count"] == 1  # a question with context is a follow-up
    assert report["by_tag"]["followup"]["expect_hit_rate"] == 1.0
    assert report["by_tag"]["first"]["out_of_scope_rejection"] == 1.0
    assert report["ip_word_rejection"] == {"count": 0, "overall": None}
    assert settings.db_path.exists() == db_before  # eval never writes to the bot's database


def test_eval_compare_adds_candidates_and_two_baselines(settings, tmp_path: Path, capsys) -> None:
    questions = [
        {"text": "商标注册要多久", "topic": "trademark"},
        {"text": "注册商标要花多少钱", "topic": "trademark"},
        {"text": "質押貸款怎麼申請", "topic": "pledge_financing"},
        {"text": "明天天气怎么样", "topic": "out_of_scope"},
    ]
    path = tmp_path / "q.yaml"
    path.write_text(yaml.safe_dump(questions, allow_unicode=True), encoding="utf-8")
    config = str(tmp_path / "config.yaml")
    assert main(["--config", config, "eval", str(path), "--json", "--compare", "--dev", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["baselines"]) == {"wratio", "bm25"}
    assert report["baselines"]["bm25"]["in_scope_accuracy"]["overall"] == 1.0
    assert set(report["candidates"]) == {"engine + calibration", "lexical (today's ranking)", "tfidf", "linear"}
    for figures in report["candidates"].values():  # k-fold on the file itself: each question decided
        assert figures["in_scope_accuracy"]["overall"] is not None


def test_eval_reports_out_of_scope_questions_with_an_ip_word_apart(settings, tmp_path: Path, capsys) -> None:
    questions = [
        {"text": "车辆质押贷款利率多少", "topic": "out_of_scope", "tags": ["ip_word"]},
        {"text": "明天天气怎么样", "topic": "out_of_scope"},
    ]
    path = tmp_path / "q.yaml"
    path.write_text(yaml.safe_dump(questions, allow_unicode=True), encoding="utf-8")
    assert main(["--config", str(tmp_path / "config.yaml"), "eval", str(path)]) == 0
    out = capsys.readouterr().out
    assert "ip_word_rejection: 100.0% of 1" in out
    assert "tag ip_word (1): " in out


def test_eval_bad_file_is_a_one_line_error(settings, tmp_path: Path, capsys) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("just text", encoding="utf-8")
    assert main(["--config", str(tmp_path / "config.yaml"), "eval", str(path)]) == 2
    assert capsys.readouterr().err.strip() == f"eval: {path} must be a YAML list"


def test_missing_config_is_a_one_line_error(tmp_path: Path, capsys) -> None:
    assert main(["--config", str(tmp_path / "none.yaml"), "kb", "check"]) == 2
    assert capsys.readouterr().err.strip() == f"config: {tmp_path / 'none.yaml'} not found"


@pytest.mark.slow  # starts a process of its own
def test_console_starts_as_a_process_and_warns_without_bot_salt(settings, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BOT_SALT"}
    result = subprocess.run(
        [sys.executable, "run_bot.py", "--config", str(tmp_path / "config.yaml"), "console"],
        input="商标注册要多久\nexit\n", capture_output=True, text=True, cwd=ROOT, timeout=60, env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "9个月" in result.stdout
    assert result.stderr == (
        f"database: {settings.db_path}\n"
        "BOT_SALT is not set: using a salt kept in the database (fine for console, ask and eval only)\n"
    )


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci_command = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert "pytest" in ci_command and f"\n{ci_command}\n" in readme


@pytest.mark.parametrize("question", ["", "   "])
def test_an_empty_question_is_a_clear_error(settings, tmp_path: Path, capsys, question: str) -> None:
    assert main(["--config", str(tmp_path / "config.yaml"), "ask", question]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "ask: the question is empty (ask: python run_bot.py ask 商标注册要多久, or - for one per line)\n"


@pytest.mark.slow  # starts a process of its own
def test_output_cut_short_by_a_pipe_ends_quietly(settings, tmp_path: Path) -> None:
    """`eval … --json | head`: the reader goes away before the output is written."""
    questions = tmp_path / "q.yaml"
    questions.write_text(yaml.safe_dump([{"text": "商标注册要多久", "topic": "trademark"}] * 50,
                                        allow_unicode=True), encoding="utf-8")
    with subprocess.Popen(
            [sys.executable, "run_bot.py", "--config", str(tmp_path / "config.yaml"), "eval", str(questions),
             "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
            env={**os.environ, "BOT_SALT": "pipe-test-salt"}) as process:
        process.stdout.close()  # as `head` does once it has its lines
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=120) == 1
    assert stderr == ""


def test_ask_batch_survives_a_failing_line(settings, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("商标注册要多久\n转人工\ud800\n商标注册要多久\n"))
    status = main(["--config", str(tmp_path / "config.yaml"), "ask", "-", "--json"])
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(out) == 3 and out[0]["intent"] == out[2]["intent"] == "tm_duration"
    assert status == 0


def test_ask_batch_reports_a_failed_line_and_goes_on(settings, tmp_path: Path, monkeypatch, capsys) -> None:
    from bot.answering.engine import Engine

    real_handle = Engine.handle

    def handle_failing_on_boom(self, message):
        if message.text == "boom":
            raise RuntimeError("disk on fire")
        return real_handle(self, message)

    monkeypatch.setattr(Engine, "handle", handle_failing_on_boom)
    monkeypatch.setattr(sys, "stdin", io.StringIO("商标注册要多久\nboom\n商标注册要多久\n"))
    assert main(["--config", str(tmp_path / "config.yaml"), "ask", "-", "--json"]) == 1
    captured = capsys.readouterr()
    out = [json.loads(line) for line in captured.out.splitlines()]
    assert [o.get("intent") for o in out] == ["tm_duration", None, "tm_duration"]
    assert out[1] == {"line": 2, "error": "RuntimeError: disk on fire"}
    assert captured.err == f"database: {settings.db_path}\nask: line 2 failed: RuntimeError: disk on fire\n"
