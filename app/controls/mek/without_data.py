"""The Q016 checks of МО case files the system does not run, and why: each needs data the fund does
not keep in the system (a register, a classifier's attributes, a regional list).  ``oms
import-rules Q016.xml`` prints them beside the coverage; they do not count as implemented.

A check leaves this table when it is written (``@mek_rule`` under its code): a test keeps the two
apart.
"""

from __future__ import annotations

WITHOUT_DATA: dict[str, str] = {}


def reason(code: str) -> str | None:
    return WITHOUT_DATA.get(code)
