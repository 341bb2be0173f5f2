"""МЭК of the D-series files (диспансеризация, профилактические осмотры: file type X)."""

from __future__ import annotations
