"""Splitting long texts for platforms with a message size limit."""
from __future__ import annotations

import pytest

from bot.delivery.textsplit import split_text, utf8_size


def test_short_text_is_one_piece() -> None:
    assert split_text("商标注册要多久", 2048, utf8_size) == ["商标注册要多久"]


def test_lines_are_kept_whole_when_they_fit() -> None:
    assert split_text("aaaa\nbbbb\ncc", 10) == ["aaaa\nbbbb", "cc"]


def test_a_long_line_is_cut_between_characters_never_inside_one() -> None:
    pieces = split_text("商" * 10, 10, utf8_size)  # 3 bytes each: 3 characters per piece
    assert pieces == ["商商商", "商商商", "商商商", "商"]
    assert all(p.encode("utf-8").decode("utf-8") == p for p in pieces)


def test_blank_lines_do_not_make_empty_pieces() -> None:
    assert split_text("\n\nabc\n\n\n", 4) == ["abc"]
    assert split_text("", 10) == []


def test_limit_must_leave_room_for_a_character() -> None:
    with pytest.raises(ValueError):
        split_text("abc", 3)
