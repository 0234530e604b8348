"""Published versions of the knowledge base, in the database: each holds the whole knowledge tree
(bot/knowledge/tree.py), its author, when it was published and what it changed from the one before.

The newest version is what running channel processes serve (bot/app.py polls its number). While none is
published, the bot reads knowledge/ on disk as it always did; the first publication makes version 1 from
knowledge/ (the seed) and publishes the change over it. Texts are stored once however many versions hold
them, so a version that changes one topic file adds one file's text.

This module stores and reads; it never checks. Publishing a base kb check refuses is prevented above it
(bot/app.py `publish_tree`); a channel still never serves such a version (it keeps its base).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Iterable

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.common.clock import parse_utc_iso, utc_iso
from bot.knowledge.base import KnowledgeBase, Problem
from bot.knowledge.check import FileCheck, check_knowledge
from bot.knowledge.tree import Change, Tree, diff_trees, materialized, read_tree

migrations = Migrations("knowledge_versions")
SEED_AUTHOR = "knowledge/"  # version 1's author: the repository's folder it was made from


@migrations(name="001_versions")
def _versions(db: Database) -> None:
    db.table("kb_versions").create(
        {"number": int, "published_at": str, "author": str, "note": str, "restored_from": int, "changes": str},
        pk="number",
    )
    db.table("kb_texts").create({"digest": str, "text": str}, pk="digest")
    db.table("kb_files").create({"version": int, "path": str, "digest": str}, pk=("version", "path"))


@dataclass(frozen=True)
class Version:
    """One published version (its files are read with `KnowledgeVersions.tree`)."""

    number: int
    published_at: datetime
    author: str
    note: str
    restored_from: int | None
    changes: tuple[Change, ...]


class KnowledgeVersions:
    """The published versions in one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def latest_number(self) -> int | None:
        """The newest version's number (None: none published); one read of the primary key, cheap to poll."""
        row = next(self.db.query("select max(number) as n from kb_versions"), None)
        return row["n"] if row else None

    def versions(self) -> list[Version]:
        """Every version, newest first."""
        return [_version(row) for row in self.db.query("select * from kb_versions order by number desc")]

    def version(self, number: int) -> Version | None:
        row = next(self.db.query("select * from kb_versions where number = ?", [number]), None)
        return _version(row) if row else None

    def tree(self, number: int) -> Tree:
        """The files of version `number` (empty when there is no such version)."""
        rows = self.db.query(
            "select f.path, t.text from kb_files f join kb_texts t on t.digest = f.digest"
            " where f.version = ? order by f.path", [number])
        return {row["path"]: row["text"] for row in rows}

    def publish(
        self, tree: Tree, author: str, now: datetime, note: str = "", restored_from: int | None = None,
        seed: Path | None = None,
    ) -> Version:
        """Store `tree` as the next version with what it changes from the newest; in one transaction, so
        two publishers get two numbers. With `seed` (knowledge/) and no version yet, version 1 is made
        from that folder first."""
        with self.db.atomic():
            if seed is not None and self.latest_number() is None:
                self._store(read_tree(seed), SEED_AUTHOR, now, "seed", None)
            return self._store(tree, author, now, note, restored_from)

    def _store(self, tree: Tree, author: str, now: datetime, note: str, restored_from: int | None) -> Version:
        latest = self.latest_number()
        number = (latest or 0) + 1
        changes = diff_trees(self.tree(latest), tree) if latest else []  # the first: nothing to compare with
        self.db.table("kb_versions").insert({
            "number": number, "published_at": utc_iso(now), "author": author, "note": note,
            "restored_from": restored_from, "changes": json.dumps([c.as_dict() for c in changes], ensure_ascii=False),
        })
        texts = {path: hashlib.sha256(text.encode("utf-8")).hexdigest() for path, text in tree.items()}
        self.db.table("kb_texts").insert_all(
            [{"digest": digest, "text": tree[path]} for path, digest in texts.items()], ignore=True)
        self.db.table("kb_files").insert_all(
            [{"version": number, "path": path, "digest": digest} for path, digest in texts.items()])
        return Version(number, now, author, note, restored_from, tuple(changes))


def _version(row: dict) -> Version:
    return Version(
        number=row["number"], published_at=parse_utc_iso(row["published_at"]), author=row["author"],
        note=row["note"] or "", restored_from=row["restored_from"],
        changes=tuple(Change.from_dict(c) for c in json.loads(row["changes"] or "[]")),
    )


def check_tree(
    tree: Tree, today: date | None = None, file_checks: Iterable[FileCheck] = ()
) -> tuple[KnowledgeBase | None, list[Problem]]:
    """kb check over a tree (written to a temporary knowledge/ folder for it); problems name its files as
    knowledge/<path>."""
    with materialized(tree) as root:
        return check_knowledge(root, today, file_checks)
