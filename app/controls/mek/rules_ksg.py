"""МЭК on the КСГ of a hospital case: diagnosis and КСГ, КСЛП (SL_K, IT_SL, SL_KOEF)."""

from __future__ import annotations
