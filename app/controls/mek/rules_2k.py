"""МЭК: the Q016 002K checks (format-logical checks the fund repeats on the МО files)."""

from __future__ import annotations
