"""МЭК on the sick-list entries (SL) of one case: Q016 003K.00.0410 «Дублирование профильного
посещения» at the SL level — two SL of one case (USL_OK ≠ 4) with the same DATE_1, DATE_2,
PROFIL and PRVS are the same visit presented twice.  The case-level twin across cases and files
is 003K.00.0420 (``duplicates.py``, set-based in SQL)."""

from __future__ import annotations

from app.controls.mek.registry import MekHit, mek_rule
from app.controls.values import present, tx

_TWICE = "1.10.2"  # дублирование случаев оказания медицинской помощи в одном реестре


@mek_rule("003K.00.0410", "ZL_LIST/ZAP/Z_SL/SL/DATE_1", "CHTX", "Дублирование профильного посещения", refusal=_TWICE)
def same_visit_twice_in_a_case(c, ctx):
    if c.usl_ok == 4 or len(c.sls) < 2:
        return
    seen: dict[tuple, str] = {}
    for sl in c.sls:
        key = (tx(sl, "DATE_1"), tx(sl, "DATE_2"), tx(sl, "PROFIL"), tx(sl, "PRVS"))
        if not all(key):
            continue
        if key in seen:
            yield MekHit(
                present(sl, "DATE_1"),
                sl=sl,
                detail=f"SL_ID {tx(sl, 'SL_ID')} повторяет SL_ID {seen[key]}: те же даты, профиль и специальность",
            )
        else:
            seen[key] = tx(sl, "SL_ID")
