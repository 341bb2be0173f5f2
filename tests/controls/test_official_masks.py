"""Length, mask and allowed characters of a value (Q015 ``MIN_LEN``/``MAX_LEN``/``MASK_VAL``/``COMMENT``)."""

from __future__ import annotations

import pytest

from app.controls.official.elements import NotCompiled
from app.controls.official.masks import format_check as _format_check


def format_check(*columns):
    """The test of :func:`app.controls.official.masks.format_check` as a bool (its test returns a
    truthy match or date), and the words."""
    accept, what = _format_check(*columns)
    return (lambda v: bool(accept(v))), what


def mask_ok(mask: str, value: str) -> bool:
    ok, _ = format_check(None, None, mask, None)
    result = ok(value)
    assert isinstance(result, bool)
    return result


@pytest.mark.parametrize(
    "mask, value, expected",
    [
        # 14 optional digits (Cyrillic Х), a digit, a point, two digits
        ("ХХХХХХХХХХХХХХ9.99", "1234.50", True),
        ("ХХХХХХХХХХХХХХ9.99", "0.00", True),
        ("ХХХХХХХХХХХХХХ9.99", "123456789012345.00", True),
        ("ХХХХХХХХХХХХХХ9.99", "1234567890123456.00", False),
        ("ХХХХХХХХХХХХХХ9.99", "12.5", False),
        ("ХХХХХХХХХХХХХХ9.99", "1234", False),
        ("ХХХХХХХХХХХХХХ9.99", ".50", False),
        ("ХХХХХХХХХХХХХХ9.99", "12,50", False),
        # a diagnosis: the point goes with the optional digits after it
        ("A99.ХX", "C34", True),
        ("A99.ХX", "C34.1", True),
        ("A99.ХX", "C34.12", True),
        ("A99.ХX", "C34.", False),
        ("A99.ХX", "c34", False),
        ("A99.ХX", "C3", False),
        ("A99.ХX", "C34.123", False),
        ("A99.ХX", "334.1", False),
        # a service code with an optional tail
        ("A99.99X.999.XXX", "A16.20.005", True),
        ("A99.99X.999.XXX", "A16.20.005.001", True),
        ("A99.99X.999.XXX", "A16.200.005", True),
        ("A99.99X.999.XXX", "A16.20.005.", False),
        ("A99.99X.999.XXX", "A16.20", False),
        ("A99.99X.999.XXX", "A16.2.005", False),
        ("A99.99X.999.XXX", "A16.20.005.0011", False),
        # СНИЛС: separators stand for themselves
        ("999-999-999 99", "123-456-789 01", True),
        ("999-999-999 99", "12345678901", False),
        ("999-999-999 99", "123-456-789-01", False),
        ("999-999-999 99", "123-456-789 0", False),
        ("999-999-999 99", "123-456-789 012", False),
        # optional digits on both sides of a required point
        ("Х9.9Х", "5.1", True),
        ("Х9.9Х", "3.2", True),
        ("Х9.9Х", "12.34", True),
        ("Х9.9Х", "51", False),
        ("Х9.9Х", "5.", False),
        ("Х9.9Х", ".1", False),
        ("Х9.9Х", "123.4", False),
        # a calendar date
        ("ГГГГ-ММ-ДД", "2024-02-29", True),
        ("ГГГГ-ММ-ДД", "2025-02-29", False),
        ("ГГГГ-ММ-ДД", "2025-13-01", False),
        ("ГГГГ-ММ-ДД", "29.02.2024", False),
    ],
)
def test_mask(mask, value, expected):
    assert mask_ok(mask, value) is expected


def test_latin_and_cyrillic_x_are_the_same():
    for value, expected in (("C34", True), ("C34.12", True), ("C34.", False)):
        assert mask_ok("A99.XX", value) is mask_ok("A99.ХХ", value) is expected


def test_what_names_the_mask_and_the_date():
    assert format_check(None, None, "A99.ХX", None)[1] == "маска A99.ХX"
    assert format_check(None, None, "ГГГГ-ММ-ДД", None)[1] == "дата ГГГГ-ММ-ДД"
    assert format_check("1", "6", "A99.ХX", None)[1] == "длина 1–6, маска A99.ХX"


@pytest.mark.parametrize(
    "min_len, max_len, value, expected",
    [
        ("2", "4", "a", False),
        ("2", "4", "ab", True),
        ("2", "4", "abcd", True),
        ("2", "4", "abcde", False),
        (None, "3", "", True),
        (None, "3", "abcd", False),
        ("3", None, "ab", False),
        ("3", None, "x" * 500, True),
        (" 1 ", " 1 ", "a", True),
        ("", "", "x" * 500, True),
    ],
)
def test_length(min_len, max_len, value, expected):
    ok, _ = format_check(min_len, max_len, None, None)
    assert ok(value) is expected


def test_length_and_mask_together():
    ok, what = format_check("5", "5", "A99.ХX", None)
    assert ok("C34.1") is True
    assert ok("C34") is False  # mask fits, too short
    assert ok("C34.12") is False  # mask fits, too long
    assert what == "длина 5–5, маска A99.ХX"


def test_length_that_is_not_a_number():
    with pytest.raises(NotCompiled):
        format_check("1", "x", None, None)


LATIN = "Допустимы цифры, строчные и прописные буквы латинского алфавита, горизонтальные разделители"
RUSSIAN = "Допустимы цифры, буквы русского алфавита, пробел, точка, горизонтальные разделители"


@pytest.mark.parametrize(
    "comment, value, expected",
    [
        (LATIN, "a1-B_2", True),
        (LATIN, "ABC123", True),
        (LATIN, "абв", False),
        (LATIN, "a b", False),
        (LATIN, "a.b", False),
        (RUSSIAN, "Иванов-Петров ё.", True),
        (RUSSIAN, "Ёлкин 1", True),
        (RUSSIAN, "Smith", False),
        (RUSSIAN, "Иванов/Петров", False),
        ("Допустимы любые символы", "абв !@#", True),
        ("Допустимы любые символы", "Smith & Co", True),
        ("Допустимы только цифры", "0123", True),
        ("Допустимы только цифры", "12a", False),
        ("Допустимы только цифры", "1 2", False),
        ("Допустимы только цифры", "1.2", False),
    ],
)
def test_comment_charset(comment, value, expected):
    ok, _ = format_check(None, None, None, comment)
    assert ok(value) is expected


def test_any_characters_checks_length_only():
    ok, what = format_check("2", "5", None, "Допустимы любые символы")
    assert ok("а!") is True
    assert ok("а") is False
    assert ok("абвгде") is False
    assert what == "длина 2–5"


def test_charset_with_length():
    ok, what = format_check("1", "4", None, "Допустимы только цифры.")
    assert ok("1234") is True
    assert ok("12345") is False
    assert ok("") is False
    assert what == "длина 1–4, Допустимы только цифры"


def test_mask_wins_over_comment():
    ok, _ = format_check(None, None, "999", "Допустимы любые символы")
    assert ok("123") is True
    assert ok("abc") is False


def test_comment_that_lists_no_charset_checks_nothing_more():
    ok, what = format_check(None, "3", None, "Код медицинской организации")
    assert ok("абв") is True
    assert ok("абвг") is False
    assert what == "длина 0–3"


@pytest.mark.parametrize(
    "comment",
    ["Допустимы иероглифы", "Допустимы символы псевдографики"],
)
def test_unknown_charset_is_not_compiled(comment):
    with pytest.raises(NotCompiled):
        format_check(None, None, None, comment)


@pytest.mark.parametrize(
    "mask",
    [
        "см. правило заполнения",
        "Маска по справочнику V001",
        "9999 (номер по порядку в пределах года)",
        "A" * 41,
    ],
)
def test_mask_outside_the_mask_language_is_not_compiled(mask):
    with pytest.raises(NotCompiled):
        format_check(None, None, mask, None)
