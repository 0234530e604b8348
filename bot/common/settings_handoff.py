"""Who the IP specialists are (config.yaml `specialists:` plus <CHANNEL>_SPECIALISTS) and the
`handoff:` block: who is on duty for what, the claim timeout, office hours.

```yaml
handoff:
  duty:                       # a county, a station type, or city (the pool everything else falls to)
    邵武市: [telegram:11111111, wecom:zhangsan]
    trademark_window: [telegram:22222222]
    city: [telegram:33333333]
  claim_timeout_minutes: 30   # unclaimed this long (office time): re-notify and add the city pool
  check_seconds: 60           # how often the channels look for overdue tickets and undelivered notices
  office_hours: {days: [mon, tue, wed, thu, fri], start: "08:30", end: "17:30"}   # Asia/Shanghai
```
Every member must be a configured specialist. Without `duty.city` the city pool is every configured
specialist of the channels that can deliver (Telegram, WeCom).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo

from bot.common.clock import SHANGHAI
from bot.common.settings_base import ConfigError, section_values
from bot.common.vocab import CITY, COUNTIES, STATION_TYPES

SECTION = "handoff"
STAFF_CHANNELS = ("telegram", "wecom")  # the channels that deliver ticket notices
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Specialists:
    """The configured specialist ids of each channel (raw channel user ids, as strings)."""

    ids: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def is_specialist(self, channel: str, user_id: str | int) -> bool:
        return str(user_id) in self.ids.get(channel, frozenset())

    def of(self, channel: str) -> frozenset[str]:
        return self.ids.get(channel, frozenset())


def specialists_settings(raw: Mapping[str, Any], from_environment: Mapping[str, frozenset[str]]) -> Specialists:
    """Specialists from `specialists: {telegram: [ids], wecom: [userids]}` and, added to those, the
    ids of TELEGRAM_SPECIALISTS, WECOM_SPECIALISTS, … (`from_environment`, channel → ids)."""
    ids: dict[str, set[str]] = {}
    for channel, listed in raw.items():
        listed = [] if listed is None else listed
        if not isinstance(listed, list) or not all(isinstance(v, (str, int)) for v in listed):
            raise ConfigError(f"config: specialists.{channel} must be a list of user ids")
        ids[str(channel)] = {str(v).strip() for v in listed}
    for channel, members in from_environment.items():
        ids.setdefault(channel, set()).update(members)
    return Specialists({channel: frozenset(members) for channel, members in ids.items()})


@dataclass(frozen=True, order=True)
class Staff:
    """A specialist on one channel; `key` ("telegram:9001") is how tickets name them."""

    channel: str
    user_id: str

    @property
    def key(self) -> str:
        return f"{self.channel}:{self.user_id}"

    @classmethod
    def parse(cls, value: object) -> Staff | None:
        """`telegram:9001` → Staff, or None when it is not `<channel>:<id>` of a delivering channel."""
        channel, _, user_id = str(value).strip().partition(":")
        if channel not in STAFF_CHANNELS or not user_id.strip():
            return None
        return cls(channel, user_id.strip())


@dataclass(frozen=True)
class OfficeHours:
    """When specialists work, in Asia/Shanghai time: weekdays (0 = Monday) and the daily hours."""

    days: frozenset[int] = frozenset(range(5))
    start: time = time(8, 30)
    end: time = time(17, 30)
    tz: ZoneInfo = SHANGHAI

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.tz)
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` itself during office hours, else the next opening time (aware, Asia/Shanghai)."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(self.tz)
        for ahead in range(8):
            day = local.date() + timedelta(days=ahead)
            opening = datetime.combine(day, self.start, tzinfo=self.tz)
            if day.weekday() in self.days and opening > local:
                return opening
        raise AssertionError("office hours have at least one day")  # checked when parsed


@dataclass(frozen=True)
class _Timing:
    """The block's plain numbers (converted and checked by section_values)."""

    claim_timeout_minutes: float = 30.0
    check_seconds: float = 60.0


@dataclass(frozen=True)
class HandoffSettings:
    duty: Mapping[str, tuple[Staff, ...]] = field(default_factory=dict)
    city_pool: tuple[Staff, ...] = ()
    claim_timeout_minutes: float = 30.0
    check_seconds: float = 60.0
    office_hours: OfficeHours = field(default_factory=OfficeHours)

    @property
    def claim_timeout(self) -> timedelta:
        return timedelta(minutes=self.claim_timeout_minutes)

    def claim_deadline(self, created: datetime) -> datetime:
        """When an unclaimed ticket escalates: the timeout counted from the next opening time."""
        return self.office_hours.next_opening(created) + self.claim_timeout

    def on_duty(self, county: str | None, station_types: Iterable[str]) -> tuple[Staff, ...]:
        """The specialists for the firm's county and the question's station types, else the city pool."""
        keys = [county or "", *station_types]
        found = sorted({staff for key in keys for staff in self.duty.get(key, ())})
        return tuple(found) or self.city_pool


def _staff_list(name: str, members: Any, specialists: Specialists) -> tuple[Staff, ...]:
    where = f"config: {SECTION}.duty.{name}"
    if not isinstance(members, list) or not members:
        raise ConfigError(f"{where} must be a non-empty list like [telegram:11111111, wecom:zhangsan]")
    staff = []
    for value in members:
        member = Staff.parse(value)
        if member is None:
            raise ConfigError(f"{where}: '{value}' is not <telegram|wecom>:<user id>")
        if not specialists.is_specialist(member.channel, member.user_id):
            raise ConfigError(f"{where}: {member.key} is not a configured specialist (specialists.{member.channel})")
        staff.append(member)
    return tuple(sorted(set(staff)))


def _duty(raw: Any, specialists: Specialists) -> dict[str, tuple[Staff, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"config: {SECTION}.duty must be a mapping of county / station type / city to specialists")
    known = {*COUNTIES, *STATION_TYPES, CITY}
    unknown = sorted(str(k) for k in raw if k not in known)
    if unknown:
        raise ConfigError(f"config: {SECTION}.duty: {unknown} are not counties, station types or city")
    return {str(name): _staff_list(str(name), members, specialists) for name, members in raw.items()}


def _clock_time(value: Any, where: str) -> time:
    if not isinstance(value, str):  # YAML reads an unquoted 17:30 as the number 1050
        raise ConfigError(f'config: {where} must be a quoted time like "08:30"')
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        raise ConfigError(f'config: {where} must be a quoted time like "08:30"') from None


def _office_hours(raw: Any) -> OfficeHours:
    where = f"{SECTION}.office_hours"
    if raw is None:
        return OfficeHours()
    if not isinstance(raw, Mapping) or set(raw) - {"days", "start", "end"}:
        raise ConfigError(f"config: {where} must be a mapping with days, start and end")
    days = raw.get("days", list(WEEKDAYS[:5]))
    if not isinstance(days, list) or not days or any(str(d).lower() not in WEEKDAYS for d in days):
        raise ConfigError(f"config: {where}.days must be a non-empty list of {', '.join(WEEKDAYS)}")
    start = _clock_time(raw.get("start", "08:30"), f"{where}.start")
    end = _clock_time(raw.get("end", "17:30"), f"{where}.end")
    if start >= end:
        raise ConfigError(f"config: {where}.start must be before end")
    return OfficeHours(frozenset(WEEKDAYS.index(str(d).lower()) for d in days), start, end)


def handoff_settings(raw: Mapping[str, Any], specialists: Specialists) -> HandoffSettings:
    """The checked `handoff:` block (defaults when absent); a bad value is a one-line ConfigError."""
    raw = dict(raw)
    duty = _duty(raw.pop("duty", None), specialists)
    office_hours = _office_hours(raw.pop("office_hours", None))
    timing = section_values(_Timing, raw, SECTION)
    if any(value <= 0 for value in timing.values()):
        raise ConfigError(f"config: {SECTION}: claim_timeout_minutes and check_seconds must be positive")
    everyone = tuple(sorted(
        Staff(channel, user_id) for channel in STAFF_CHANNELS for user_id in specialists.of(channel)
    ))
    city_pool = duty.pop(CITY, None) or everyone
    return HandoffSettings(duty=duty, city_pool=city_pool, office_hours=office_hours, **timing)
