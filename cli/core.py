"""Core command-line subcommands: console, ask, eval, kb check, kb stats, kb diff, kb drafts (and the
versions' kb export, import, versions, restore: cli/knowledge.py)."""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from bot.answering.ports import Message, Reply
from bot.common.clock import SystemClock, local_date
from bot.common.config import PROJECT_ROOT, Settings
from cli import knowledge, start_up

DEV_SET = PROJECT_ROOT / "tests" / "data" / "dev_questions.yaml"

CLI_CHANNEL = "cli"


def reply_json(reply: Reply) -> str:
    """The Reply as the `ask --json` object."""
    return json.dumps(
        {
            "decision": reply.decision,
            "topic": reply.topic,
            "intent": reply.intent,
            "score": reply.score,
            "answer": reply.text,
            "suggestions": [
                {"intent": c.intent, "topic": c.topic, "title": c.title} for c in reply.choices
            ],
        },
        ensure_ascii=False,
    )


def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    """Chat with the bot in the terminal."""
    from bot.app import create_engine
    from cli.database import open_database
    from handlers.console import LOADING, run_console, terminal_lines

    print(LOADING, flush=True)  # loading the knowledge base takes seconds on a busy machine
    engine = create_engine(settings, db=open_database(settings))
    start_up.started()
    run_console(engine, terminal_lines() if sys.stdin.isatty() else sys.stdin, sys.stdout)
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """Ask one question (or one per stdin line with '-'); events are recorded with channel cli."""
    from bot.app import create_engine
    from cli.database import open_database
    from handlers.console import render

    if not args.question.strip():
        print("ask: the question is empty (ask: python run_bot.py ask 商标注册要多久, or - for one per line)",
              file=sys.stderr)
        return 2
    engine = create_engine(settings, db=open_database(settings))
    start_up.started()
    lines = sys.stdin if args.question == "-" else [args.question]
    failed = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            reply = engine.handle(Message(CLI_CHANNEL, "cli", line.rstrip("\n"), internal=True))
        except Exception as exc:
            failed += 1
            report_failed_line(number, exc, args.json)
            continue
        print(reply_json(reply) if args.json else render(reply), flush=True)
    return 1 if failed else 0


def report_failed_line(number: int, exc: Exception, as_json: bool) -> None:
    """One line on stderr (and, with --json, an error object in the reply's place on stdout)."""
    error = f"{type(exc).__name__}: {exc}"
    if as_json:
        print(json.dumps({"line": number, "error": error}, ensure_ascii=False), flush=True)
    print(f"ask: line {number} failed: {error}", file=sys.stderr, flush=True)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Score the Engine on a labelled question file (never writes to the bot's database)."""
    from bot.answering import evaluate
    from bot.app import load_knowledge

    kb = load_knowledge(settings.knowledge_dir)
    questions = evaluate.read_questions(Path(args.file))
    clock = SystemClock()
    report = evaluate.run_engine(kb, settings, clock, questions)
    if args.compare:
        from bench.candidates import compare

        day = local_date(clock.now())
        report["baselines"] = evaluate.run_baselines(kb, questions, day)
        dev_path = Path(args.dev)
        same = dev_path.resolve() == Path(args.file).resolve()
        dev = questions if same else evaluate.read_questions(dev_path)
        report["candidates"] = compare(kb, settings, questions, dev, day, args.embedding, same)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    for line in evaluate.format_report(report):
        print(line)
    if args.compare:
        print()
        print(evaluate.comparison_table(report, {**report["candidates"], **report["baselines"]}))
    return 0


def cmd_kb_check(args: argparse.Namespace, settings: Settings) -> int:
    """Validate knowledge/ and print each problem with file, entry id and field."""
    from bot.app import check_knowledge

    kb, problems = check_knowledge(settings.knowledge_dir)
    for problem in problems:
        print(problem)
    errors = sum(p.severity == "error" for p in problems)
    if kb is None:
        print(f"kb check: {errors} error(s)", file=sys.stderr)
        return 1
    print(f"kb check: ok · {len(kb.entries)} entries · {len(kb.facts.facts)} facts"
          + (f" · {len(problems)} warning(s)" if problems else ""))
    return 0


def cmd_kb_diff(args: argparse.Namespace, settings: Settings) -> int:
    """Every answer whose text changes on a date (--on YYYY-MM-DD): entry id, before and after, as Markdown."""
    from datetime import date

    from bot.app import load_knowledge
    from bot.knowledge.over_time import diff_report

    try:
        day = date.fromisoformat(args.on)
    except ValueError:
        print(f"kb diff: --on {args.on!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    print(diff_report(load_knowledge(settings.knowledge_dir), day), end="")
    return 0


def cmd_kb_stats(args: argparse.Namespace, settings: Settings) -> int:
    """Coverage: entries and phrasings per topic, languages, facts used."""
    from bot.app import load_knowledge
    from bot.knowledge.facts import references
    from bot.language.normalize import looks_english

    kb = load_knowledge(settings.knowledge_dir)
    entries, phrasings, english = Counter(), Counter(), Counter()
    used: Counter[str] = Counter()
    for entry in kb.entries.values():
        entries[entry.topic] += 1
        phrasings[entry.topic] += len(entry.questions)
        english[entry.topic] += sum(looks_english(q) for q in entry.questions)
        used.update(set(references(entry.answer) + references(entry.answer_en)))
    print("| topic | entries | phrasings | English phrasings | answers zh/en |")
    print("|---|---|---|---|---|")
    for topic in sorted(entries):
        print(f"| {topic} | {entries[topic]} | {phrasings[topic]} | {english[topic]} | {entries[topic]}/{entries[topic]} |")
    print(f"| **total** | {sum(entries.values())} | {sum(phrasings.values())} | {sum(english.values())} | |")
    unused = sorted(set(kb.facts.facts) - set(used))
    print(f"\nfacts: {len(kb.facts.facts)} defined, {len(used)} quoted by answers"
          + (f"; not quoted: {', '.join(unused)}" if unused else ""))
    return 0


def cmd_kb_drafts(args: argparse.Namespace, settings: Settings) -> int:
    """List the knowledge drafts (knowledge/drafts/, never live) and what kb check finds in each."""
    from bot.app import load_knowledge
    from bot.knowledge.drafts import summarize_drafts

    kb = load_knowledge(settings.knowledge_dir)
    drafts = summarize_drafts(settings.knowledge_dir, kb)
    if not drafts:
        print("kb drafts: none (a specialist writes one with /draft <ticket>)")
        return 0
    print("| file | id | topic | title | to fix before publishing |")
    print("|---|---|---|---|---|")
    for draft in drafts:
        print(f"| {draft.file} | {draft.id} | {draft.topic} | {draft.title} | {draft.problems} |")
    print("\nkb check lists each problem; publish by moving the entry into knowledge/faq/<topic>.yaml.")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add the core subcommands."""
    console = commands.add_parser("console", help=cmd_console.__doc__)
    console.set_defaults(run=cmd_console, starts_engine=True)

    ask = commands.add_parser("ask", help=cmd_ask.__doc__)
    ask.add_argument("question", help="the question, or - to read one per line from stdin")
    ask.add_argument("--json", action="store_true", help="print the Reply as one JSON object per question")
    ask.set_defaults(run=cmd_ask, starts_engine=True)

    evaluation = commands.add_parser("eval", help=cmd_eval.__doc__)
    evaluation.add_argument("file", help="YAML list of {text, topic, expect_any, context}")
    evaluation.add_argument("--json", action="store_true", help="print one JSON object")
    evaluation.add_argument(
        "--compare", action="store_true",
        help="add the retrieval candidates (calibrated on --dev, k-fold when it is the file) and the WRatio and BM25 baselines",
    )
    evaluation.add_argument("--dev", default=str(DEV_SET), help="the labelled set candidates are calibrated on")
    evaluation.add_argument("--embedding", action="store_true", help="with --compare: add the sentence-embedding candidates")
    evaluation.set_defaults(run=cmd_eval)

    kb = commands.add_parser("kb", help="knowledge-base tools")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True)
    kb_commands.add_parser("check", help=cmd_kb_check.__doc__).set_defaults(run=cmd_kb_check)
    kb_commands.add_parser("stats", help=cmd_kb_stats.__doc__).set_defaults(run=cmd_kb_stats)
    diff = kb_commands.add_parser("diff", help=cmd_kb_diff.__doc__)
    diff.add_argument("--on", required=True, help="the day a law or fact changes, YYYY-MM-DD")
    diff.set_defaults(run=cmd_kb_diff)
    kb_commands.add_parser("drafts", help=cmd_kb_drafts.__doc__).set_defaults(run=cmd_kb_drafts)
    knowledge.register(kb_commands)
