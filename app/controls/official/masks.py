"""Length and mask of a value (Q015 ``MIN_LEN``/``MAX_LEN``/``MASK_VAL``, the 004F rules).

The mask language of the table:

* ``9`` a digit; ``Х``/``X`` (Cyrillic or Latin) a digit that may be absent; ``A`` a Latin capital;
* ``ГГГГ-ММ-ДД`` a calendar date;
* any other character stands for itself; a separator followed only by optional digits up to the
  next separator or the end is optional with them (``A99.ХX`` takes ``C34`` and ``C34.1``).

Where the table gives no mask but says in ``COMMENT`` which characters are allowed («Допустимы
цифры, буквы русского и латинского алфавита, пробел, точка, горизонтальные разделители»), the
value is checked against those characters; «Допустимы любые символы» checks the length only.
"""

from __future__ import annotations

import re
from typing import Callable, Optional

from app.controls.official.elements import NotCompiled
from app.controls.values import to_date

_DATE_MASK = "ГГГГ-ММ-ДД"

_CLASSES = (
    # (phrase in COMMENT, characters it allows)
    ("цифр", "0-9"),
    ("латинск", "A-Za-z"),
    ("русск", "А-Яа-яЁё"),
    ("пробел", " "),
    ("точк", "."),
    ("горизонтальные разделители", r"\-_"),
    ("подчеркиван", "_"),
)


def _mask_regex(mask: str) -> str:
    mask = mask.replace("Х", "X").replace("х", "X")
    # tokens: (kind, char) — kind "d" digit, "o" optional digit, "a" letter, "l" literal
    tokens = [("d" if c == "9" else "o" if c == "X" else "a" if c == "A" else "l", c) for c in mask]
    out, i = [], 0
    while i < len(tokens):
        kind, c = tokens[i]
        if kind == "l":
            j = i + 1
            while j < len(tokens) and tokens[j][0] == "o":
                j += 1
            if j > i + 1 and (j == len(tokens) or tokens[j][0] == "l"):  # «.XX» at the end
                out.append(f"(?:{re.escape(c)}[0-9]{{1,{j - i - 1}}})?")
                i = j
                continue
            out.append(re.escape(c))
        elif kind == "d":
            out.append("[0-9]")
        elif kind == "o":
            out.append("[0-9]?")
        else:
            out.append("[A-Z]")
        i += 1
    return "".join(out)


def _charset(comment: str) -> Optional[str]:
    low = " ".join((comment or "").lower().split())
    if not low.startswith("допустим"):
        return None
    if "любые символы" in low:
        return None
    allowed = "".join(chars for phrase, chars in _CLASSES if phrase in low)
    if "букв" in low and "латинск" not in low and "русск" not in low:
        allowed += "A-Za-zА-Яа-яЁё"
    if not allowed:
        raise NotCompiled(f"не понят набор символов: «{comment}»")
    return f"[{allowed}]*"


def _length(text: Optional[str]) -> Optional[int]:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise NotCompiled(f"длина «{text}» не число")
    return int(text)


def _anything(value: str) -> bool:
    return True


def format_check(
    min_len: Optional[str], max_len: Optional[str], mask: Optional[str], comment: Optional[str]
) -> tuple[Callable[[str], object], str]:
    """``(accept(value), what)``: the test of a value — true when it fits (a regex match, a date; no
    wrapper: the ФЛК calls it on every value of the element in every record) — and a few words of
    what it wants (for the finding's detail)."""
    lo, hi = _length(min_len), _length(max_len)
    mask = (mask or "").strip()
    if mask == _DATE_MASK:
        return to_date, "дата ГГГГ-ММ-ДД"
    if len(mask) > 40 or re.search(r"[а-яё]{2,}", mask):
        raise NotCompiled(f"маска не из языка масок: «{mask[:60]}»")
    pattern = _mask_regex(mask) if mask else _charset(comment or "")
    what = []
    if lo is not None or hi is not None:
        what.append(f"длина {lo or 0}–{hi or '…'}")
    if mask:
        what.append(f"маска {mask}")
    elif pattern is not None:
        what.append((comment or "").strip().rstrip("."))
    # length and characters in one regex: one call into the regex engine per value
    length = "" if lo is None and hi is None else rf"(?=[\s\S]{{{lo or 0},{'' if hi is None else hi}}}\Z)"
    if not length and pattern is None:
        return _anything, ", ".join(what)
    return re.compile(length + (pattern if pattern is not None else r"[\s\S]*") + r"\Z").match, ", ".join(what)
