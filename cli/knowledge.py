"""`run_bot.py kb export | import | versions | restore`: the published knowledge versions and their Excel
round trip (docs/knowledge-versions.md). Publishing needs `--author <channel>:<id>` of a specialist."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.common.config import Settings

XLSX = ".xlsx"


class KbError(ValueError):
    """A command line the versions cannot use (no such version, a folder in use …); one line, exit 2."""


def _author(args: argparse.Namespace, settings: Settings) -> str:
    """--author as a specialist's key (telegram:9001), or KbError."""
    from bot.common.settings_handoff import Staff

    staff = Staff.parse(args.author or "")
    if staff is None or not settings.specialists.is_specialist(staff.channel, staff.user_id):
        raise KbError(f"kb {args.kb_command}: --author must name a specialist as <channel>:<id> (config.yaml "
                      f"specialists), not {args.author!r}")
    return staff.key


def _tree(settings: Settings, db, number: int | None) -> tuple[str, dict[str, str]]:
    """Version `number`'s files (default what is served) and how to name them."""
    from bot.app import served_tree
    from bot.knowledge.versions import KnowledgeVersions

    if number is None:
        served, tree = served_tree(settings, db)
        return (f"version {served}" if served else f"{settings.knowledge_dir} (no version published)"), tree
    tree = KnowledgeVersions(db).tree(number)
    if not tree:
        raise KbError(f"kb: there is no version {number} (kb versions lists them)")
    return f"version {number}", tree


def cmd_kb_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write a version (default: the one served) as an Excel workbook, or as YAML files with --yaml DIR."""
    from bot.knowledge.tree import write_tree
    from bot.knowledge.workbook import export_workbook
    from cli.database import open_database

    if bool(args.file) == bool(args.yaml):
        raise KbError("kb export: give a workbook FILE.xlsx or --yaml DIR (one of them)")
    name, tree = _tree(settings, open_database(settings), args.version)
    if args.yaml:
        folder = Path(args.yaml)
        if folder.exists() and any(folder.iterdir()):
            raise KbError(f"kb export: {folder} is not empty; choose a new or empty folder")
        write_tree(tree, folder)
        print(f"kb export: {name} written to {folder}/ ({len(tree)} files)")
        return 0
    path = Path(args.file)
    if path.suffix.lower() != XLSX:
        raise KbError(f"kb export: {path} must end in {XLSX}")
    path.write_bytes(export_workbook(tree))
    print(f"kb export: {name} written to {path}")
    return 0


def cmd_kb_import(args: argparse.Namespace, settings: Settings) -> int:
    """Show what a workbook (or a folder of YAML) changes, entry by entry, and kb check's result; with
    --publish and kb check passing, publish it as a new version."""
    from bot.app import preview_tree, served_tree
    from bot.knowledge.tree import read_tree
    from bot.knowledge.workbook import tree_from_workbook
    from cli.database import open_database

    author = _author(args, settings) if args.publish else ""
    source = Path(args.source)
    if not source.exists():
        raise KbError(f"kb import: {source} not found")
    db = open_database(settings)
    if source.is_dir():
        tree, problems = read_tree(source), []
    else:
        tree, problems = tree_from_workbook(source.read_bytes(), served_tree(settings, db)[1])
    preview = preview_tree(settings, db, tree, problems)
    return _report(preview, settings, db, author, args.note, "kb import", restored_from=None)


def cmd_kb_restore(args: argparse.Namespace, settings: Settings) -> int:
    """Publish an earlier version again, as a new version (its changes shown)."""
    from bot.app import restore_preview
    from cli.database import open_database

    author = _author(args, settings)
    db = open_database(settings)
    preview = restore_preview(settings, db, args.number)
    if preview is None:
        raise KbError(f"kb restore: there is no version {args.number} (kb versions lists them)")
    return _report(preview, settings, db, author, args.note or f"restore {args.number}", "kb restore",
                   restored_from=args.number)


def _report(preview, settings: Settings, db, author: str, note: str, command: str, restored_from: int | None) -> int:
    """Print the changes and kb check's result; publish when `author` is given and it passes."""
    from bot.app import publish
    from bot.common.clock import SystemClock
    from bot.knowledge.tree import changes_text

    base = f"version {preview.base}" if preview.base else f"{settings.knowledge_dir} (no version published)"
    print(f"{command}: compared with {base}")
    for line in changes_text(preview.changes):
        print(line)
    for problem in preview.errors:
        print(problem)
    if preview.errors:
        print(f"kb check: {len(preview.errors)} error(s); nothing published", file=sys.stderr)
        return 1
    warnings = len(preview.problems)
    print(f"kb check: ok · {len(preview.changes)} change(s)" + (f" · {warnings} warning(s)" if warnings else ""))
    if not preview.changes:
        print(f"{command}: no changes; nothing to publish")
        return 0
    if not author:
        print(f"{command}: not published (add --publish --author <channel>:<id> to publish)")
        return 0
    version = publish(settings, db, preview, author, SystemClock().now(), note, restored_from)
    print(f"{command}: published version {version.number if version else '-'} by {author}; running channels "
          f"switch to it within {settings.knowledge.poll_seconds:g} s")
    return 0


def cmd_kb_versions(args: argparse.Namespace, settings: Settings) -> int:
    """List the published versions, newest first (the newest is served), and whether knowledge/ differs."""
    from bot.common.clock import SHANGHAI
    from bot.knowledge.tree import diff_trees, read_tree
    from bot.knowledge.versions import KnowledgeVersions
    from cli.database import open_database

    store = KnowledgeVersions(open_database(settings))
    versions = store.versions()
    if not versions:
        print(f"kb versions: none published; the bot serves {settings.knowledge_dir} "
              "(kb import FILE --publish --author … publishes the first)")
        return 0
    print("| version | published (Shanghai) | author | changes | note |")
    print("|---|---|---|---|---|")
    for version in versions:
        restored = f" (restores {version.restored_from})" if version.restored_from else ""
        when = version.published_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        print(f"| {version.number} | {when} | {version.author} | {len(version.changes)}{restored} | {version.note} |")
    if diff_trees(store.tree(versions[0].number), read_tree(settings.knowledge_dir)):
        print(f"\n{settings.knowledge_dir} differs from version {versions[0].number}, which is served; "
              f"publish it with: kb import {settings.knowledge_dir} --publish --author <channel>:<id>")
    return 0


def _guarded(command):
    """A KbError ends the command with its one line and exit 2."""
    def run(args: argparse.Namespace, settings: Settings) -> int:
        try:
            return command(args, settings)
        except KbError as exc:
            print(exc, file=sys.stderr)
            return 2
    run.__doc__ = command.__doc__
    return run


def register(kb_commands: argparse._SubParsersAction) -> None:
    """Add export, import, versions and restore to `run_bot.py kb`."""
    export = kb_commands.add_parser("export", help=cmd_kb_export.__doc__)
    export.add_argument("file", nargs="?", help="the workbook to write, FILE.xlsx")
    export.add_argument("--yaml", metavar="DIR", help="write YAML files into this new or empty folder instead")
    export.add_argument("--version", type=int, help="the version to write (default: the one served)")
    export.set_defaults(run=_guarded(cmd_kb_export))

    imported = kb_commands.add_parser("import", help=cmd_kb_import.__doc__)
    imported.add_argument("source", help="a workbook FILE.xlsx (as kb export writes it) or a folder of YAML")
    imported.add_argument("--publish", action="store_true", help="publish it when kb check passes")
    imported.add_argument("--author", help="who publishes: a specialist as <channel>:<id> (telegram:9001)")
    imported.add_argument("--note", default="", help="a note kept with the version")
    imported.set_defaults(run=_guarded(cmd_kb_import))

    kb_commands.add_parser("versions", help=cmd_kb_versions.__doc__).set_defaults(run=_guarded(cmd_kb_versions))

    restore = kb_commands.add_parser("restore", help=cmd_kb_restore.__doc__)
    restore.add_argument("number", type=int, help="the version to publish again")
    restore.add_argument("--author", required=True, help="who restores: a specialist as <channel>:<id>")
    restore.add_argument("--note", default="", help="a note kept with the version (default: restore N)")
    restore.set_defaults(run=_guarded(cmd_kb_restore))
