"""Format version 6.0 (H and D-files ``X``) — **switched off** until the fund enables it with the
setting ``FORMAT_6_0_ENABLED`` (env var, default off): while off, :func:`get_definition` gives None
for it and :func:`supported_versions` does not list it, so a 6.0 file is refused as of an
unsupported version.

Evidence: one МИС writes 6.0 for H and D-files from 2026, with ``PACIENT/VZ`` and a regional block
(``PRESCRIPTION``, not added: regional); no ФЛК checker of 04.2026 knows 6.0, so it is not
confirmed as federal. ``VZ`` is already in 5.1 (:mod:`.v4_0`), so today 6.0 = 5.1 as is.

This module is the place for the official 6.0 differences once the fund supplies them: add the
edits to ``EDITS_60`` (and register C/T here if 6.0 covers them).
"""

from __future__ import annotations

from . import register
from .v5_1 import H as H51
from .v5_1 import X as X51

ENABLED_BY = "FORMAT_6_0_ENABLED"
EDITS_60: tuple = ()

H = H51.derive(*EDITS_60, version="6.0", enabled_by=ENABLED_BY)
X = X51.derive(*EDITS_60, version="6.0", enabled_by=ENABLED_BY)

register(H, X)
