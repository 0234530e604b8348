"""Normalisation results kept on disk between processes (start-up reads them instead of segmenting every
knowledge phrasing again), each file named by a hash of everything its contents depend on.

The directory is $BOT_CACHE_DIR, else $XDG_CACHE_HOME/zhichuang, else ~/.cache/zhichuang; BOT_CACHE_DIR=off
keeps nothing on disk. Files are JSON (data only, never code); a missing, damaged or unwritable file
only means the work is done again.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from bot.common.env import Env

CACHE_ENV = "BOT_CACHE_DIR"
OFF = "off"
KEPT = 4  # memos of each kind kept: the knowledge base as it is and as it was a few edits ago

log = logging.getLogger(__name__)


def cache_dir() -> Path | None:
    """Where memo files live, or None when keeping them is switched off."""
    env = Env.of(None)
    chosen = env.get(CACHE_ENV, "").strip()
    if chosen.lower() == OFF:
        return None
    if chosen:
        return Path(chosen)
    base = env.get("XDG_CACHE_HOME", "").strip()
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home directory (a bare service account): nothing is kept
            return None
    return Path(base) / "zhichuang"


def fingerprint(*parts: Any) -> str:
    """A short hash of JSON-able parts (sets must be passed sorted: their order varies between processes)."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:24]


def versions(*packages: str) -> list[str]:
    """Installed versions of the packages whose behaviour the cached results depend on."""
    return [f"{name}=={metadata.version(name)}" for name in packages]


def read(name: str) -> dict[str, Any] | None:
    """The stored memo `name`, or None (switched off, never written, or unreadable)."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        data = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write(name: str, data: dict[str, Any]) -> None:
    """Store memo `name` atomically (a reader never sees half a file); failures are only logged."""
    folder = cache_dir()
    if folder is None:
        return
    temporary = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)
        os.replace(temporary, folder / f"{name}.json")
        _prune(folder, name.split("-")[0])
    except OSError as exc:
        log.info("normalisation memo not kept on disk (%s): %s", folder, exc)
        if temporary:
            Path(temporary).unlink(missing_ok=True)


def _prune(folder: Path, kind: str) -> None:
    """Keep the KEPT most recently written memos of a kind (one per knowledge-base version edited)."""
    memos = sorted(folder.glob(f"{kind}-*.json"), key=lambda path: path.stat().st_mtime, reverse=True)
    for old in memos[KEPT:]:
        old.unlink(missing_ok=True)
