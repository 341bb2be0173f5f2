"""What the ФЛК and the МЭК rules both read values with: tolerant conversions (a malformed value gives
None and the rule does not apply — the structural checks 901–905 report the format itself), the
element helpers, and the shared value sets (diagnosis ranges)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Optional

from app.formats.record import Node

ZERO = Decimal(0)


def tx(node: Optional[Node], tag: str) -> Optional[str]:
    """Text of the first direct child ``tag`` (fast path of ``Node.get`` without path split)."""
    if node is None:
        return None
    for c in node.children:
        if c.tag == tag:
            return c.text
    return None


def has(node: Optional[Node], tag: str) -> bool:
    """The child element is present with a non-empty value."""
    if node is None:
        return False
    for c in node.children:
        if c.tag == tag:
            return bool(c.text) or bool(c.children)
    return False


def to_int(s: Optional[str]) -> Optional[int]:
    if not s:
        return None
    s = s.strip()
    if not s or not (s.isdigit() or (s[0] in "+-" and s[1:].isdigit())):
        return None
    try:
        return int(s)
    except ValueError:
        return None


_DATES: dict[str, Optional[date]] = {}  # the dates of a file repeat: each text is parsed once
_DATES_KEPT = 20_000


def to_date(s: Optional[str]) -> Optional[date]:
    """Strict ``ГГГГ-ММ-ДД``."""
    try:
        return _DATES[s]
    except KeyError:
        pass
    d = _parse_date(s)
    if len(_DATES) >= _DATES_KEPT:  # birth dates fill it: start again, the dates of care come back
        _DATES.clear()
    _DATES[s] = d
    return d


def _parse_date(s: Optional[str]) -> Optional[date]:
    if not s or len(s) != 10 or s[4] != "-" or s[7] != "-":
        return None
    try:
        return date(int(s[0:4]), int(s[5:7]), int(s[8:10]))
    except ValueError:
        return None


def to_dec(s: Optional[str]) -> Optional[Decimal]:
    if not s:
        return None
    try:
        d = Decimal(s.strip())
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def age_on(born: Optional[date], on: Optional[date]) -> Optional[int]:
    """Full years on a date."""
    if born is None or on is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def ds(s: Optional[str]) -> Optional[str]:
    """Normalised ICD-10 code for range comparisons (upper case, no spaces)."""
    if not s:
        return None
    return s.strip().upper()


def is_onco(code: Optional[str]) -> bool:
    """ЗНО diagnosis as in Q015 since 01.01.2021: C00.0 ≤ DS < D10 or D45 ≤ DS < D48."""
    d = ds(code)
    if not d:
        return False
    return ("C00" <= d < "D10") or ("D45" <= d < "D48")


def is_onco_c00_d09(code: Optional[str]) -> bool:
    """C00.0 ≤ DS ≤ D09 (the older, narrower ЗНО range of 002F.00.0260)."""
    d = ds(code)
    return bool(d) and "C00" <= d < "D10"


def present(parent: Optional[Node], tag: str) -> Optional[Node]:
    """First child ``tag`` that carries a value (text or children); empty elements (no text or
    ``""``) count as absent."""
    if parent is None:
        return None
    for c in parent.children:
        if c.tag == tag and (c.text or c.children):
            return c
    return None


def all_present(parent: Optional[Node], tag: str) -> list[Node]:
    if parent is None:
        return []
    return [c for c in parent.children if c.tag == tag and (c.text or c.children)]


def values(parent: Optional[Node], tag: str) -> list[str]:
    if parent is None:
        return []
    return [c.text for c in parent.children if c.tag == tag and c.text]
