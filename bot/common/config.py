"""Typed settings read from config.yaml, with environment overrides (never secrets in the file)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import yaml

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

# The features of calibrated confidence (bot/answering/calibration.py), in the order of its weights.
FEATURES = ("top", "lead", "coverage", "length")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = PROJECT_ROOT / "config.yaml"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message is fit for a one-line error."""


@dataclass(frozen=True)
class MatchingSettings:
    answer_threshold: float = 50
    answer_margin: float = 1
    clarify_threshold: float = 45
    # Also answer above clarify_threshold when the best leads the runner-up by this much.
    answer_lead: float = 8
    max_choices: int = 3
    # Questions longer than long_question_tokens words get thresholds × (long/words) ** easing.
    long_question_tokens: int = 8
    long_question_easing: float = 0.3
    # Score = weighted mean of: character similarity to the best phrasing, how much of that
    # phrasing the question covers, their word overlap (Dice), and how much of the question the
    # entry's whole vocabulary explains. Words the knowledge base never uses weigh unknown_word_weight.
    char_weight: float = 1.91
    phrasing_weight: float = 1.06
    dice_weight: float = 0.29
    entry_weight: float = 1.09
    answer_weight: float = 0.04  # how much of the question the entry's title and answer explain
    keyword_bonus: float = 5.28
    # Per aspect the question asks (费用, 多久, 材料 …) that the entry never mentions.
    aspect_penalty: float = 11.74
    # Per subject the question names (专利, 商标 …) that the entry never mentions.
    subject_penalty: float = 21.58
    unknown_word_weight: float = 2.94
    # A question with no IP word is still answered when one entry explains this share of it.
    coverage_gate: float = 0.75
    # …or when its best score reaches this (纸质申请一类超过10个商品，每多一个加多少钱).
    strong_match: float = 75
    # Calibrated decision (bot/answering/calibration.py): logistic weights (intercept, then one per
    # calibration.FEATURES) fitted on the dev set by bench/fit_calibration.py. Answer when the
    # probability that the top entry is right reaches answer_probability, offer choices from
    # clarify_probability, else fall back. Empty: the raw-score thresholds above decide.
    calibration: tuple = ()
    answer_probability: float = 0.5
    clarify_probability: float = 0.3


@dataclass(frozen=True)
class Settings:
    db_path: Path
    knowledge_dir: Path
    timezone: str = "Asia/Shanghai"
    matching: MatchingSettings = field(default_factory=MatchingSettings)
    context_ttl_minutes: float = 10
    sections: Mapping[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> Mapping[str, Any]:
        """A feature's own block of config.yaml (empty when absent)."""
        value = self.sections.get(name) or {}
        if not isinstance(value, Mapping):
            raise ConfigError(f"config: '{name}' must be a mapping")
        return value


def _resolve(path: str | Path, base: Path) -> Path:
    path = Path(path)
    return path if path.is_absolute() else base / path


def _database(path: str, base: Path) -> Path:
    """The database file, absolute (":memory:" stays as it is)."""
    return Path(":memory:") if path == ":memory:" else _resolve(path, base)


def section_values(cls: type[DataclassInstance], raw: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A config block's values, each converted to the type of the dataclass `cls`'s default;
    an unknown key or a value of the wrong kind is a ConfigError."""
    unknown = set(raw) - set(cls.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"config: unknown {name} settings {sorted(unknown)}")
    try:
        return {key: type(getattr(cls, key))(value) for key, value in raw.items()}
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"config: {name}: {exc}") from None


def _matching(raw: Mapping[str, Any]) -> MatchingSettings:
    settings = MatchingSettings(**section_values(MatchingSettings, raw, "matching"))
    weights = settings.calibration
    if weights and (len(weights) != len(FEATURES) + 1 or not all(isinstance(w, (int, float)) for w in weights)):
        raise ConfigError(f"config: matching.calibration needs {len(FEATURES) + 1} numbers (intercept, {', '.join(FEATURES)})")
    return settings


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read config.yaml (or `path`) and apply environment overrides such as BOT_DB_PATH."""
    environ = os.environ if environ is None else environ
    config_path = Path(path or environ.get("BOT_CONFIG") or DEFAULT_CONFIG)
    try:
        raw = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"config: {config_path} not found") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config: {config_path} is not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"config: {config_path} must be a mapping")
    # Paths in the file are read from the file's folder; BOT_DB_PATH, like a command-line path, from
    # the current folder (docs/operators.md "Paths").
    base = config_path.resolve().parent
    from_environment = environ.get("BOT_DB_PATH")
    if from_environment:
        db_path = _database(from_environment, Path.cwd())
    else:
        db_path = _database(raw.get("db_path", "data/zhichuang.db"), base)
    context = raw.get("context") or {}
    return Settings(
        db_path=db_path,
        knowledge_dir=_resolve(raw.get("knowledge_dir", "knowledge"), base),
        timezone=str(raw.get("timezone", "Asia/Shanghai")),
        matching=_matching(raw.get("matching") or {}),
        context_ttl_minutes=float(context.get("ttl_minutes", 10)),
        sections=raw,
    )
