"""Format version 5.1 (case files from reporting period 07.2025; Q015 002F.00.0016 «Версия файла
должна быть 5.1»): **the same elements as 5.0** — the evidence (a ФЛК checker's element model for
files up to 5.1, a regional 2026 schema, the Q015 checks) attributes no element to 5.1 alone, so
H, C, T and X 5.1 are 5.0 with VERSION "5.1". L stays 3.2.

UNSURE — correct here: whether D-files (``X``) moved to 5.1 at all (a МИС keeps them at 5.0 from
01.2025 and moves only H; the checker says all files) — both are registered, the period table
decides which one a period requires; any real 5.0 → 5.1 difference goes below as edits.
"""

from __future__ import annotations

from . import register
from .v5_0 import T_ as T50
from .v5_0 import C as C50
from .v5_0 import H as H50
from .v5_0 import X as X50

H = H50.derive(version="5.1")
C = C50.derive(version="5.1")
T_ = T50.derive(version="5.1")
X = X50.derive(version="5.1")

register(H, C, T_, X)
