"""What users type or press, made safe to store: text without lone surrogates, ids that can name a row."""
from __future__ import annotations

import re

MAX_ROW_ID = 2**63 - 1  # SQLite's largest INTEGER: a larger id names no row (and cannot even be bound)
_SURROGATES = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """`text` with lone UTF-16 surrogates (which no encoder, SQLite's included, accepts) as U+FFFD."""
    return _SURROGATES.sub("\ufffd", text)


def fits_row_id(value: int) -> bool:
    """Whether a typed or pressed id can name a row (row ids start at 1 and fit SQLite's INTEGER)."""
    return 0 < value <= MAX_ROW_ID
