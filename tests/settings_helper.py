"""Test settings: a config.yaml in tmp_path whose database and knowledge base are the test's own."""
from __future__ import annotations

from pathlib import Path

from bot.common.config import Settings, load_settings


def write_settings(tmp_path: Path, kb_dir: Path, extra: str = "") -> Settings:
    """Settings with the database in `tmp_path` and the knowledge in `kb_dir`, plus `extra` YAML lines."""
    config = tmp_path / "config.yaml"
    config.write_text(f"db_path: {tmp_path / 'bot.db'}\nknowledge_dir: {kb_dir}\n{extra}", encoding="utf-8")
    return load_settings(config, environ={})
