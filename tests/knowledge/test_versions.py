"""bot/knowledge/versions.py: published versions in the database, each the whole knowledge tree."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.app import open_db
from bot.knowledge.tree import CHANGED, ENTRY, FILE, read_tree
from bot.knowledge.versions import SEED_AUTHOR, KnowledgeVersions, check_tree

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def test_the_first_publication_is_made_over_the_seed_and_texts_are_stored_once(tmp_path: Path, kb_dir: Path) -> None:
    db = open_db(tmp_path / "bot.db")
    store = KnowledgeVersions(db)
    assert (store.latest_number(), store.versions(), store.tree(1)) == (None, [], {})
    seed = read_tree(kb_dir)
    changed = {**seed, "faq/trademark.yaml": seed["faq/trademark.yaml"].replace("限10个商品", "限十个商品")}
    version = store.publish(changed, "telegram:9001", NOW, "一处改动", seed=kb_dir)
    assert version.number == 2 and store.latest_number() == 2
    assert [(c.kind, c.key, c.action) for c in version.changes] == [(ENTRY, "tm_fee", CHANGED)]
    assert (store.tree(1), store.tree(2)) == (seed, changed)
    first = store.version(1)
    assert first is not None and (first.author, first.note, first.changes, first.published_at) == (SEED_AUTHOR, "seed", (), NOW)
    assert db.execute("select count(*) from kb_texts").fetchone()[0] == len(seed) + 1  # one new text, not a copy


def test_two_publishers_on_one_file_get_two_numbers(tmp_path: Path, kb_dir: Path) -> None:
    seed = read_tree(kb_dir)
    first, second = KnowledgeVersions(open_db(tmp_path / "bot.db")), KnowledgeVersions(open_db(tmp_path / "bot.db"))
    assert first.publish(seed, "a:1", NOW).number == 1
    assert second.publish({**seed, "laws.yaml": seed["laws.yaml"] + "# 注释\n"}, "b:2", NOW).number == 2
    assert [(c.kind, c.key) for c in first.version(2).changes] == [(FILE, "laws.yaml")]  # a comment: the file
    assert [v.number for v in first.versions()] == [2, 1]


def test_kb_check_over_a_tree_names_its_files_under_knowledge(kb_dir: Path) -> None:
    tree = read_tree(kb_dir)
    assert check_tree(tree)[0] is not None
    broken = {**tree, "faq/trademark.yaml": tree["faq/trademark.yaml"].replace("{trademark.fee.online_per_class}", "{x.y}")}
    kb, problems = check_tree(broken)
    assert kb is None and "knowledge/faq/trademark.yaml: tm_fee: answer: unknown fact {x.y}" in [str(p) for p in problems]
