"""МЭК on the sums of the account and of the cases (SUMMAV, SUMMAP, SANK_*, SUMP, SANK_IT, OPLATA)."""

from __future__ import annotations
