"""Typed settings: every section of config.yaml parsed and checked at load (`load_settings`), so a bad
section fails every command at start with a one-line ConfigError naming the key. Environment
overrides come through bot/common/env.py; secrets are never in the file. The sections of the
channels, reminders and handoff are parsed in bot/common/settings_*.py."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.common.env import Env
from bot.common.settings_base import ConfigError, block, section_values
from bot.common.settings_channels import (
    TelegramSettings,
    WebSettings,
    WeComSettings,
    telegram_settings,
    web_settings,
    wecom_settings,
)
from bot.common.settings_handoff import HandoffSettings, Specialists, handoff_settings, specialists_settings
from bot.common.settings_reach import ReminderSettings, reminder_settings

# The features of calibrated confidence (bot/answering/calibration.py), in the order of its weights.
FEATURES = ("top", "lead", "coverage", "length")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = PROJECT_ROOT / "config.yaml"
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster
MAX_STATION_RESULTS = 3  # "where do I go?" replies list at most this many stations by default
MIN_RETENTION_DAYS = 35  # longer than any month: a month's active firms are stored before its events go
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster


@dataclass(frozen=True)
class MatchingSettings:
    answer_threshold: float = 50
    answer_margin: float = 1
    clarify_threshold: float = 45
    # Also answer above clarify_threshold when the best leads the runner-up by this much.
    answer_lead: float = 8
    # Offer choices instead of answering when the best entry of another topic scores within this much.
    topic_margin: float = 0
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
class ContextSettings:
    ttl_minutes: float = 10.0  # a short follow-up is read against the user's last answer for this long


@dataclass(frozen=True)
class StationSettings:
    max_results: int = MAX_STATION_RESULTS


@dataclass(frozen=True)
class MetricsSettings:
    retention_days: int = 365
    chart_font: Path | None = None
    gap_similarity: float = 85.0
    gap_limit: int = 20


@dataclass(frozen=True)
class KnowledgeSettings:
    # How often a channel process looks for a newly published knowledge version (docs/knowledge-versions.md).
    poll_seconds: float = 30.0


@dataclass(frozen=True)
class Settings:
    db_path: Path
    knowledge_dir: Path
    timezone: str = "Asia/Shanghai"
    matching: MatchingSettings = field(default_factory=MatchingSettings)
    context_ttl_minutes: float = ContextSettings.ttl_minutes
    stations: StationSettings = field(default_factory=StationSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    knowledge: KnowledgeSettings = field(default_factory=KnowledgeSettings)
    specialists: Specialists = field(default_factory=Specialists)
    handoff: HandoffSettings = field(default_factory=HandoffSettings)
    reminders: ReminderSettings = field(default_factory=ReminderSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    wecom: WeComSettings = field(default_factory=WeComSettings)
    web: WebSettings = field(default_factory=WebSettings)


SECTIONS = (
    "matching", "context", "stations", "metrics", "knowledge", "specialists", "handoff", "reminders", "telegram", "wecom", "web",
)
TOP_LEVEL = ("db_path", "knowledge_dir", "timezone", *SECTIONS)


def _resolve(path: str | Path, base: Path) -> Path:
    path = Path(path)
    return path if path.is_absolute() else base / path


def _database(path: str, base: Path) -> Path:
    """The database file, absolute (":memory:" stays as it is)."""
    return Path(":memory:") if path == ":memory:" else _resolve(path, base)


def _text(raw: Mapping[str, Any], key: str, default: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"config: {key} must be a text such as {default!r}")
    return value


def _matching(raw: Mapping[str, Any]) -> MatchingSettings:
    settings = MatchingSettings(**section_values(MatchingSettings, raw, "matching"))
    weights = settings.calibration
    if weights and (len(weights) != len(FEATURES) + 1 or not all(isinstance(w, (int, float)) for w in weights)):
        raise ConfigError(f"config: matching.calibration needs {len(FEATURES) + 1} numbers (intercept, {', '.join(FEATURES)})")
    return settings


def _context_ttl(raw: Mapping[str, Any]) -> float:
    ttl = ContextSettings(**section_values(ContextSettings, raw, "context")).ttl_minutes
    if ttl < 0:
        raise ConfigError("config: context.ttl_minutes must be a number ≥ 0")
    return ttl


def _stations(raw: Mapping[str, Any]) -> StationSettings:
    unknown = set(raw) - set(StationSettings.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"config: unknown stations settings {sorted(unknown)}")
    value = raw.get("max_results", MAX_STATION_RESULTS)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
        raise ConfigError("config: stations.max_results must be a whole number from 1 to 10")
    return StationSettings(max_results=value)


def _metrics(raw: Mapping[str, Any]) -> MetricsSettings:
    """The `metrics:` block; a relative chart_font is read from the project folder."""
    raw = dict(raw)
    font = raw.pop("chart_font", None)
    if font is not None and not isinstance(font, str):
        raise ConfigError("config: metrics.chart_font must be a font file's path")
    values = MetricsSettings(**section_values(MetricsSettings, raw, "metrics"))
    if values.retention_days < MIN_RETENTION_DAYS:
        raise ConfigError(f"config: metrics.retention_days must be at least {MIN_RETENTION_DAYS}")
    if not 0 < values.gap_similarity <= 100 or values.gap_limit < 1:
        raise ConfigError("config: metrics.gap_similarity must be in (0, 100] and gap_limit at least 1")
    return MetricsSettings(values.retention_days, _resolve(font, PROJECT_ROOT) if font else None,
                           values.gap_similarity, values.gap_limit)


def _knowledge(raw: Mapping[str, Any]) -> KnowledgeSettings:
    found = KnowledgeSettings(**section_values(KnowledgeSettings, raw, "knowledge"))
    if found.poll_seconds <= 0:
        raise ConfigError("config: knowledge.poll_seconds must be a positive number of seconds")
    return found


def _timezone(raw: Mapping[str, Any]) -> str:
    name = _text(raw, "timezone", "Asia/Shanghai")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"config: timezone '{name}' is not a known time zone (e.g. Asia/Shanghai)") from None
    return name


def _read(config_path: Path) -> dict[str, Any]:
    try:
        raw = yaml.load(config_path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    except FileNotFoundError:
        raise ConfigError(f"config: {config_path} not found") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config: {config_path} is not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"config: {config_path} must be a mapping")
    unknown = sorted(str(key) for key in raw if key not in TOP_LEVEL)
    if unknown:
        raise ConfigError(f"config: unknown settings {unknown} (known: {', '.join(TOP_LEVEL)})")
    return raw


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read and check every section of config.yaml (or `path`, or $BOT_CONFIG) and apply the
    environment (`environ`, default the process's): BOT_DB_PATH, <CHANNEL>_SPECIALISTS."""
    env = Env.of(environ)
    config_path = Path(path) if path else env.config_path or DEFAULT_CONFIG
    raw = _read(config_path)
    # Paths in the file are read from the file's folder; BOT_DB_PATH, like a command-line path, from
    # the current folder (docs/operators.md "Paths").
    base = config_path.resolve().parent
    if env.db_path:
        db_path = _database(env.db_path, Path.cwd())
    else:
        db_path = _database(_text(raw, "db_path", "data/zhichuang.db"), base)
    specialists = specialists_settings(block(raw, "specialists"), env.specialists())
    return Settings(
        db_path=db_path,
        knowledge_dir=_resolve(_text(raw, "knowledge_dir", "knowledge"), base),
        timezone=_timezone(raw),
        matching=_matching(block(raw, "matching")),
        context_ttl_minutes=_context_ttl(block(raw, "context")),
        stations=_stations(block(raw, "stations")),
        metrics=_metrics(block(raw, "metrics")),
        knowledge=_knowledge(block(raw, "knowledge")),
        specialists=specialists,
        handoff=handoff_settings(block(raw, "handoff"), specialists),
        reminders=reminder_settings(block(raw, "reminders")),
        telegram=telegram_settings(block(raw, "telegram")),
        wecom=wecom_settings(block(raw, "wecom")),
        web=web_settings(block(raw, "web")),
    )
