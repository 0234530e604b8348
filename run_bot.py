#!/usr/bin/env python3
"""知创助手: the one entry point. `python run_bot.py --help` lists the subcommands."""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Iterator

from cli import start_up

# Each module adds its subcommands with register(subparsers); heavy imports stay inside the commands.
COMMAND_MODULES = (
    "cli.core", "cli.stations", "cli.telegram", "cli.wecom",
    "cli.metrics", "cli.reminders", "cli.web",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run_bot.py", description="知创助手 · IP guidance for Nanping firms")
    parser.add_argument("--config", help="config file (default: config.yaml, or $BOT_CONFIG)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands)
    for command in subcommands(parser):  # `run_bot.py report --config FILE …` works as well
        command.add_argument("--config", default=argparse.SUPPRESS, help="config file (as before COMMAND)")
    return parser


def subcommands(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """Every subcommand's parser, nested ones (kb check) included."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                yield command
                yield from subcommands(command)


def eval_file_errors() -> tuple[type[Exception], ...]:
    """EvalFileError once `eval` has imported its module (not imported at start: an error of a module
    never imported cannot occur, and `ask` starts sooner without it)."""
    evaluate = sys.modules.get("bot.answering.evaluate")
    return (evaluate.EvalFileError,) if evaluate else ()


def main(argv: list[str] | None = None) -> int:
    from bot.common.config import ConfigError, load_settings
    from bot.knowledge.check import KnowledgeError

    args = build_parser().parse_args(argv)
    if not getattr(args, "starts_engine", False):  # those resume the collector once their Engine is built
        start_up.started()
    try:
        code = args.run(args, load_settings(args.config))
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # The reader (head, less) has gone: stop quietly, and let nothing flush into the closed pipe at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (ConfigError, *eval_file_errors()) as exc:
        print(exc, file=sys.stderr)
        return 2
    except KnowledgeError as exc:
        print("The knowledge base has errors; fix them (python run_bot.py kb check):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    start_up.pause()  # this process's start-up, without the cycle collector (cli/start_up.py)
    sys.exit(main())
