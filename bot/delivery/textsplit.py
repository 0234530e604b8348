"""Split a long text into messages a platform accepts (WeCom: 2,048 UTF-8 bytes; Telegram: 4,096 characters)."""
from __future__ import annotations

from typing import Callable, Iterator


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


def split_text(text: str, limit: int, size: Callable[[str], int] = len) -> list[str]:
    """Pieces of at most `limit` (measured by the additive `size`), cut at line breaks where possible."""
    if limit < 4:
        raise ValueError("limit must leave room for one character")
    if size(text) <= limit:  # the usual case, one piece: no walk over its lines
        return [text.strip("\n")] if text.strip() else []
    pieces: list[str] = []
    current, used = "", 0
    for line in text.splitlines(keepends=True):
        for part in _fitting(line, limit, size):
            part_size = size(part)
            if current and used + part_size > limit:
                pieces.append(current)
                current, used = "", 0
            current, used = current + part, used + part_size
    pieces.append(current)
    return [piece.strip("\n") for piece in pieces if piece.strip()]


def _fitting(line: str, limit: int, size: Callable[[str], int]) -> Iterator[str]:
    """`line` whole if it fits, else cut between characters (never inside one)."""
    if size(line) <= limit:
        yield line
        return
    chunk, used = "", 0
    for char in line:
        char_size = size(char)
        if used + char_size > limit:
            yield chunk
            chunk, used = "", 0
        chunk, used = chunk + char, used + char_size
    if chunk:
        yield chunk
