"""Normalised keys of the identification: names, SNILS, ЕНП, dates as the register stores them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Optional

_SPACES = re.compile(r"\s+")
_NOT_DIGIT = re.compile(r"\D")


def name_part(value: Optional[str]) -> str:
    if not value:
        return ""
    return _SPACES.sub(" ", value.strip().upper().replace("Ё", "Е"))


def name_key(fam: Optional[str], im: Optional[str], ot: Optional[str]) -> str:
    """«ФАМИЛИЯ|ИМЯ|ОТЧЕСТВО» in upper case with Ё → Е (a missing part stays empty)."""
    return "|".join(name_part(v) for v in (fam, im, ot))


def snils_digits(value: Optional[str]) -> Optional[str]:
    """The 11 digits of a SNILS written «XXX-XXX-XXX YY» or plain; None if it has not 11 digits."""
    if not value:
        return None
    digits = _NOT_DIGIT.sub("", value)
    return digits if len(digits) == 11 else None


def enp(value: Optional[str]) -> Optional[str]:
    """A 16-digit ЕНП, else None."""
    if not value:
        return None
    value = value.strip()
    return value if len(value) == 16 and value.isdigit() else None


def series(value: Optional[str]) -> str:
    return _SPACES.sub("", value or "").upper()


def number(value: Optional[str]) -> str:
    return _SPACES.sub("", value or "")


def parse_date(value: Optional[str]) -> Optional[dt.date]:
    """``ГГГГ-ММ-ДД`` or ``ДД.ММ.ГГГГ``; empty → None; anything else raises ValueError."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if "." in value:
        day, month, year = value.split(".")
        return dt.date(int(year), int(month), int(day))
    return dt.date.fromisoformat(value)
