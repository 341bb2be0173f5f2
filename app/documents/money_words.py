"""Sums in Russian words, as an invoice writes them: «Один миллион двести тридцать четыре
тысячи пятьсот шестьдесят семь рублей 89 копеек».

Rules: the rubles in words with the gender of each order (тысяча is feminine — «одна тысяча»,
«две тысячи»; миллион, миллиард, триллион and рубль are masculine — «один миллион», «два
рубля»), the plural form chosen by the last two digits (1 — рубль, 2–4 — рубля, 5–20 and 0 —
рублей; 11–14 always take the genitive plural), the first letter capitalised; the kopecks in
two digits with their own plural form («01 копейка», «02 копейки», «00 копеек»). Orders that
are zero are skipped («один миллион один рубль»). The amount is rounded to kopecks half up.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Union

Number = Union[Decimal, int, str, float]

_UNITS = {
    "m": ("", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"),
    "f": ("", "одна", "две", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"),
}
_TEENS = (
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
)
_TENS = ("", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят", "девяносто")
_HUNDREDS = ("", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот", "восемьсот", "девятьсот")

#: orders above the units: (forms for 1, 2–4, 5+; gender of the counted word)
_ORDERS = (
    (("тысяча", "тысячи", "тысяч"), "f"),
    (("миллион", "миллиона", "миллионов"), "m"),
    (("миллиард", "миллиарда", "миллиардов"), "m"),
    (("триллион", "триллиона", "триллионов"), "m"),
)

RUBLE = ("рубль", "рубля", "рублей")
KOPECK = ("копейка", "копейки", "копеек")

#: the largest whole number :func:`number_in_words` can name (999 триллионов …)
MAX_NUMBER = 10**15 - 1


def plural(n: int, forms: tuple[str, str, str]) -> str:
    """The form of a counted word for ``n``: ``forms`` = (for 1, for 2–4, for 5 and more)."""
    n = abs(int(n))
    if 11 <= n % 100 <= 14:
        return forms[2]
    last = n % 10
    if last == 1:
        return forms[0]
    if 2 <= last <= 4:
        return forms[1]
    return forms[2]


def _triad(n: int, gender: str) -> list[str]:
    """Words of 1..999 (an empty list for 0)."""
    words = []
    h, rest = divmod(n, 100)
    if h:
        words.append(_HUNDREDS[h])
    if 10 <= rest <= 19:
        words.append(_TEENS[rest - 10])
    else:
        t, u = divmod(rest, 10)
        if t:
            words.append(_TENS[t])
        if u:
            words.append(_UNITS[gender][u])
    return words


def number_in_words(n: int, gender: str = "m") -> str:
    """A whole number 0 … 999 999 999 999 999 in words, lower case; ``gender`` (``"m"``,
    ``"f"``) is the gender of the counted word (один/одна, два/две).

    >>> number_in_words(2001, "f")
    'две тысячи одна'
    """
    if gender not in _UNITS:
        raise ValueError(f"unknown gender {gender!r}")
    n = int(n)
    if n < 0:
        return "минус " + number_in_words(-n, gender)
    if n > MAX_NUMBER:
        raise ValueError(f"{n} is too large to write in words")
    if n == 0:
        return "ноль"
    words: list[str] = []
    groups = []
    while n:
        n, g = divmod(n, 1000)
        groups.append(g)
    for i in range(len(groups) - 1, 0, -1):
        g = groups[i]
        if not g:
            continue
        forms, order_gender = _ORDERS[i - 1]
        words += _triad(g, order_gender)
        words.append(plural(g, forms))
    words += _triad(groups[0], gender)
    return " ".join(words)


def _to_decimal(amount: Number) -> Decimal:
    if isinstance(amount, float):
        amount = repr(amount)
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"not an amount: {amount!r}") from None
    if not value.is_finite():
        raise ValueError(f"not an amount: {amount!r}")
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rubles_in_words(amount: Number) -> str:
    """The amount in rubles in words and the kopecks in figures, capitalised.

    >>> rubles_in_words(Decimal("1234567.89"))
    'Один миллион двести тридцать четыре тысячи пятьсот шестьдесят семь рублей 89 копеек'
    >>> rubles_in_words(0)
    'Ноль рублей 00 копеек'

    A negative amount starts with «Минус». Raises ``ValueError`` for something that is not a
    finite number or for 10^15 rubles and more.
    """
    value = _to_decimal(amount)
    sign = ""
    if value < 0:
        sign = "минус "
        value = -value
    rubles = int(value)
    kopecks = int((value - rubles) * 100)
    text = f"{sign}{number_in_words(rubles, 'm')} {plural(rubles, RUBLE)} {kopecks:02d} {plural(kopecks, KOPECK)}"
    return text[:1].upper() + text[1:]
