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
from datetime import date, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

from bot.common.env import Env

CACHE_ENV = "BOT_CACHE_DIR"
OFF = "off"
KEPT = 4  # memos of each kind kept: the knowledge base as it is and as it was a few edits ago
DOCUMENTS_KEPT = 64  # parsed YAML documents kept: one per file of the knowledge base and of messages
_DATE, _DATETIME = "$date", "$datetime"  # how a parsed document's dates are written in JSON

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
    return [f"{name}=={_version(name)}" for name in packages]


@cache
def _version(package: str) -> str:
    """One package's installed version, looked up once per process (each look-up reads its metadata)."""
    return metadata.version(package)


def read(name: str, decode: Callable[[dict[str, Any]], Any] | None = None) -> dict[str, Any] | None:
    """The stored memo `name`, or None (switched off, never written, or unreadable); `decode` turns
    each JSON object read back into what was stored (json's object_hook)."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        data = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"), object_hook=decode)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write(name: str, data: dict[str, Any], kept: int = KEPT) -> None:
    """Store memo `name` atomically (a reader never sees half a file), keeping the `kept` newest of its
    kind; failures are only logged."""
    folder = cache_dir()
    if folder is None:
        return
    temporary = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(_encoded(data))
        os.replace(temporary, folder / f"{name}.json")
        _prune(folder, name.split("-")[0], kept)
    except OSError as exc:
        log.info("normalisation memo not kept on disk (%s): %s", folder, exc)
        if temporary:
            Path(temporary).unlink(missing_ok=True)


def _prune(folder: Path, kind: str, kept: int) -> None:
    """Keep the `kept` most recently written memos of a kind (one per knowledge-base version edited)."""
    memos = sorted(folder.glob(f"{kind}-*.json"), key=lambda path: path.stat().st_mtime, reverse=True)
    for old in memos[kept:]:
        old.unlink(missing_ok=True)


def parsed_document(text: str, parse: Callable[[str], Any]) -> Any:
    """`parse(text)` (a YAML document), read from disk when the same text was parsed before with the same
    libraries; a document JSON cannot give back exactly as parsed (keys other than text) is parsed every time."""
    name = f"document-{fingerprint(versions('PyYAML'), text)}"
    stored = read(name, _decoded)
    if stored is not None and "document" in stored:
        return stored["document"]
    document = parse(text)
    kept = {"document": document}
    try:
        exact = json.loads(_encoded(kept), object_hook=_decoded) == kept
    except (TypeError, ValueError):
        exact = False
    if exact:
        write(name, kept, DOCUMENTS_KEPT)
    return document


def _encoded(data: dict[str, Any]) -> str:
    """JSON text of `data`, its dates and times written as {"$date": ISO} and {"$datetime": ISO}."""
    def dated(value: Any) -> dict[str, str]:
        if isinstance(value, datetime):
            return {_DATETIME: value.isoformat()}
        if isinstance(value, date):
            return {_DATE: value.isoformat()}
        raise TypeError(f"{type(value).__name__} is not kept in a memo")

    return json.dumps(data, ensure_ascii=False, default=dated)


def _decoded(item: dict[str, Any]) -> Any:
    """A JSON object read back: a date or time as _encoded wrote it, else the object itself."""
    if len(item) == 1 and isinstance(next(iter(item.values())), str):
        if _DATE in item:
            return date.fromisoformat(item[_DATE])
        if _DATETIME in item:
            return datetime.fromisoformat(item[_DATETIME])
    return item
