"""The building blocks of config.yaml's section parsers (bot/common/config.py and settings_*.py): the
one error type, a block's plain values converted to a dataclass's types, numbers checked."""
from __future__ import annotations

from dataclasses import fields
from typing import Any, Mapping


class ConfigError(ValueError):
    """A setting is missing or malformed; the message is fit for a one-line error."""


def block(raw: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """The mapping under `name` in `raw` (empty when absent); anything else is a ConfigError."""
    value = raw.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"config: '{name}' must be a mapping")
    return value


def section_values(cls: type, raw: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A config block's values, each converted to its field's type in the dataclass `cls` (int, float,
    str, tuple; else the type of its default); an unknown key or a value of the wrong kind is a
    ConfigError naming the key."""
    known = {field.name: field for field in fields(cls)}
    unknown = set(raw) - set(known)
    if unknown:
        raise ConfigError(f"config: unknown {name} settings {sorted(unknown)}")
    values = {}
    for key, value in raw.items():
        kind = _KINDS.get(str(known[key].type), type(known[key].default))
        try:
            values[key] = kind(value)
        except (TypeError, ValueError):
            raise ConfigError(f"config: {name}.{key} must be a {_KIND_NAMES.get(kind, kind.__name__)},"
                              f" not {value!r}") from None
    return values


_KINDS = {"int": int, "float": float, "str": str, "tuple": tuple}
_KIND_NAMES = {int: "whole number", float: "number", str: "text", tuple: "list"}


def number(raw: Mapping[str, Any], key: str, default: float, where: str, *, positive: bool = False) -> float:
    """`raw[key]` (or `default`) as a number ≥ 0, or > 0 when `positive`; else a ConfigError."""
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (positive and value == 0):
        raise ConfigError(f"config: {where}.{key} must be a {'positive number' if positive else 'number ≥ 0'}")
    return float(value)
