"""Shared fixtures: a small knowledge base, a manual clock, an in-memory database, an Engine."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import keep_bytecode  # noqa: F401  (before bot/ is imported: its compiled modules are kept for the run)
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from settings_helper import write_settings

from bot.answering.engine import Engine
from bot.app import ALL_MIGRATIONS, load_knowledge, open_db
from bot.common.clock import ManualClock
from bot.common.config import Settings
from bot.handoff.desk import TicketDesk, attach_desk
from bot.knowledge.base import KnowledgeBase
from bot.language.memo import CACHE_ENV
from bot.storage import store
from bot.storage.store import Store, open_store

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_KB = Path(__file__).parent / "data" / "kb_fixture"

# Property-based tests: the ci profile (the default, what CI runs) tries 200 examples per property; no
# deadline (a shared machine is slow at times); `HYPOTHESIS_PROFILE=dev` tries 30 while you work.
hypothesis_settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
)
hypothesis_settings.register_profile("dev", parent=hypothesis_settings.get_profile("ci"), max_examples=30)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Normalisation memos (bot/language/memo.py) go to a directory of this run, not the user's cache. The
# run's first process (pytest itself, or xdist's controller) makes it; its workers and their subprocesses
# inherit it through the environment, so the pinyin table and the analyses are made once per run, not
# once per worker (memo files are written atomically).
RUN_CACHE_ENV = "ZHICHUANG_TEST_RUN_CACHE"


def _run_cache_dir() -> str:
    """This run's memo directory: inherited from the process that started the run, else made here."""
    inherited = os.environ.get(RUN_CACHE_ENV)
    if inherited and Path(inherited).is_dir():
        return inherited
    made = tempfile.mkdtemp(prefix="zhichuang-test-cache-")
    os.environ[RUN_CACHE_ENV] = made
    atexit.register(shutil.rmtree, made, ignore_errors=True)
    return made


os.environ[CACHE_ENV] = _run_cache_dir()


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A writable copy of the fixture knowledge base, with the real synonyms."""
    target = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KB, target)
    shutil.copy(ROOT / "knowledge" / "synonyms.yaml", target / "synonyms.yaml")
    return target


@pytest.fixture(scope="session")
def fixture_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The fixture knowledge base, loaded once (loading builds the segmenter)."""
    target = tmp_path_factory.mktemp("kb") / "knowledge"
    shutil.copytree(FIXTURE_KB, target)
    shutil.copy(ROOT / "knowledge" / "synonyms.yaml", target / "synonyms.yaml")
    return load_knowledge(target)


@pytest.fixture(scope="session")
def real_kb() -> KnowledgeBase:
    """The shipped knowledge base (knowledge/), loaded and checked once per process, for tests that read it."""
    return load_knowledge(ROOT / "knowledge")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path, kb_dir: Path) -> Settings:
    return write_settings(tmp_path, kb_dir)


@pytest.fixture(scope="session")
def migrated_db() -> Store:
    """An in-memory database with every migration applied, made once per process (never handed to a test)."""
    return open_db(":memory:")


@pytest.fixture
def fresh_db(migrated_db: Store) -> Store:
    """A new in-memory database as open_db(":memory:") makes it, copied from `migrated_db` (SQLite's
    backup) instead of running the migrations again (~20 ms each time, for some 300 tests)."""
    db = open_store(":memory:", ())
    migrated_db.conn.backup(db.conn)
    return db


@pytest.fixture(scope="session")
def migrated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file as open_db makes it, every migration applied, made once per process (never opened
    by a test: only copied)."""
    path = tmp_path_factory.mktemp("migrated") / "bot.db"
    open_db(path).close()  # the last connection closed: the WAL is checkpointed into the file and removed
    return path


@pytest.fixture(autouse=True)
def new_database_files_start_migrated(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
                                      migrated_file: Path) -> None:
    """open_db on a file that does not exist yet (the fixtures' databases, the channels' and commands'
    own) starts from a copy of `migrated_file` instead of running the migration steps again (~50 ms each
    time, for some 180 tests); open_db then finds every step applied, as on any later start. The store's
    own tests (tests/storage) and the processes tests start migrate for real. As with `fresh_db`, the
    copies share the values a migration draws at random (the kf msgid prefix)."""
    if request.path.parent.name == "storage":
        return
    real_open_store = store.open_store

    def open_store_from_a_copy(path: str | Path, migration_sets):
        if migration_sets is ALL_MIGRATIONS and str(path) != ":memory:" and not Path(path).exists():
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(migrated_file, path)
        return real_open_store(path, migration_sets)

    monkeypatch.setattr(store, "open_store", open_store_from_a_copy)


@pytest.fixture
def engine(fixture_kb: KnowledgeBase, settings: Settings, fresh_db, clock: ManualClock) -> Engine:
    return Engine(fixture_kb, settings, fresh_db, clock)


@pytest.fixture
def desk(engine: Engine, settings: Settings, clock: ManualClock) -> TicketDesk:
    """The ticket desk wired into the fixture Engine (handoffs become tickets), as the channels wire it."""
    return attach_desk(engine, settings, clock)
