"""Format version 4.0 (H and C files, reporting periods 03.2024 – 12.2024): version 3.2 plus its
differences. T and D-files (``X``) had no 4.0 (they stayed 3.1 until 12.2024); L stays 3.2.

No official 4.0 schema was available. The evidence: the element model of a public ФЛК checker
for files up to 5.1 (names, types, required flags, but one model for all versions and its field
order is not the XML order), the 2026 schema of a regional loader (5.x elements in XML order,
merged for all file kinds, with regional extras) and the version checks of Q015 (002F.00.0013:
«Версия файла C,H должна быть 4.0»). **None of them tells 4.0 from 5.0 element by element**: every
element below is in both models, so it is put in the earliest version they support, 4.0 — except
``INJ``, which a fund's loader reads only for VERSION 5.x (see :mod:`.v5_0`).

What 4.0 adds to 3.2 (positions from the regional schema's order, which keeps the 3.2 order):

* ``PACIENT``: ``SOC`` after ``VNOV_D`` (after ``NOVOR`` in D-files, which have no ``VNOV_D``),
  then ``NEXT_D``, ``MO_PR``, ``VZ``;
* ``Z_SL``: ``NPR_NUM`` after ``NPR_DATE`` (not in D-files: they have no ``NPR_DATE``);
* ``SL``: ``PROFIL_M`` after ``PROFIL`` *or* later (see UNSURE); ``USL``: ``PROFIL_M`` after
  ``PROFIL`` (kinds whose SL/USL carry ``PROFIL``: not D-files);
* ``KSG_KPG``: ``K_ZP`` after ``KOEF_U``; ``PR_PR``, ``KOEF_PR`` at the end;
* ``NAPR`` (C, T) and ``NAZ`` (D-files): ``NAPR_NUM`` after ``NAPR_DATE``;
* ``ONK_SL/ONK_USL/LEK_PR`` (C, T): ``REGNUM_DOP`` after ``REGNUM``.

UNSURE — correct here when the official format is at hand:

* 4.0 vs 5.0 for every element above (see the first paragraph). ``VZ`` is the most doubtful: a
  МИС writes it only from 2026 (its 6.0), while the checker's model (up to 5.1) already has it;
* required: ``SOC`` is required (``minOccurs=1`` in the regional schema; the federal checks
  002F.00.0145/0146 speak of its presence); ``K_ZP`` and ``PR_PR`` are required in the regional
  schema only, and the meaning of ``PR_PR`` is unknown, so both are optional here (a file must not
  be refused on an unsure requirement; 002F.00.0465 checks ``K_ZP`` where it is given); the rest
  optional;
* types: ``SOC`` 3 digits, ``MO_PR`` 6 digits, ``VZ`` 1–2 digits, ``NEXT_D`` month 1–12,
  ``NPR_NUM`` T(100), ``REGNUM_DOP`` T(40), ``K_ZP`` N(8,5), ``PR_PR`` T(2), ``KOEF_PR`` N(6,5) —
  from the regional schema; ``PROFIL_M`` (only the checker: an integer) and ``NAPR_NUM`` (only
  the checker: a string) take N(3) like ``PROFIL`` and T(100) like ``NPR_NUM``;
* ``PROFIL_M`` in ``SL``: right after ``PROFIL`` by the checker's model, but the regional schema
  has its (regional) ``PROF_M`` after ``C_ZAB``/``DS_ONK``/``PR_D_N`` — both places are accepted
  (``also_after``); the writer uses the place after ``PROFIL``. In ``USL`` only the checker has it:
  after ``PROFIL``;
* ``NAPR_NUM`` position in ``NAPR``/``NAZ``: after ``NAPR_DATE`` as in the checker's model (the
  regional schema has no ``NAPR_NUM``);
* ``NEXT_D`` (next examination month) is meant for D-files, but both models carry it in one
  ``PACIENT`` for every kind: it is optional in every kind here;
* ``SMO_OGRN``/``SMO_OK`` stay removed as in 3.2 although both models list them (both also read
  older files); ``NAZ_SP`` stays in ``NAZ`` although neither model has it (removal unverified).
"""

from __future__ import annotations

from . import register
from .dsl import E, FormatDefinition, N, T, insert_after, span, variant
from .v3_2 import C as C32
from .v3_2 import H as H32

# -- the new elements -----------------------------------------------------------------------
SOC = E("SOC", "1", T(3), pattern="[0-9]{3}", title="Социальная категория пациента")
NEXT_D = E("NEXT_D", "0..1", N(2), values=span(1, 12), title="Месяц следующей явки (диспансерное наблюдение)")
MO_PR = E("MO_PR", "0..1", T(6), pattern="[0-9]{6}", title="Код МО прикрепления (F032)")
VZ = E("VZ", "0..1", T(2), pattern="[0-9]{1,2}", title="Вид занятости пациента")
NPR_NUM = E("NPR_NUM", "0..1", T(100), title="Номер направления")
PROFIL_M = E("PROFIL_M", "0..1", N(3), title="Профиль медицинской помощи (PROFIL_M)")
K_ZP = E("K_ZP", "0..1", N(8, 5), title="Коэффициент достижения целевых показателей уровня заработной платы")
PR_PR = E("PR_PR", "0..1", T(2), title="Признак PR_PR (КСГ/КПГ)")
KOEF_PR = E("KOEF_PR", "0..1", N(6, 5), title="Коэффициент KOEF_PR (КСГ/КПГ)")
NAPR_NUM = E("NAPR_NUM", "0..1", T(100), title="Номер направления")
REGNUM_DOP = E("REGNUM_DOP", "0..1", T(40), title="Дополнительный идентификатор лекарственного препарата (N021)")

#: SL siblings after which the regional schema places its PROF_M (the last one a kind has wins)
PROFIL_M_LATE_AFTER = ("C_ZAB", "DS_ONK", "PR_D_N")


def _has(d: FormatDefinition, path: str) -> bool:
    return d.root.at(path) is not None


def edits_40(d: FormatDefinition) -> tuple:
    """The 4.0 edits that fit the kind of ``d`` (a 3.2 definition): each goes where its parent
    and anchor exist."""
    edits = []
    anchor = "VNOV_D" if _has(d, "ZAP/PACIENT/VNOV_D") else "NOVOR"
    edits.append(insert_after(f"ZAP/PACIENT/{anchor}", SOC, NEXT_D, MO_PR, VZ))
    if _has(d, "ZAP/Z_SL/NPR_DATE"):
        edits.append(insert_after("ZAP/Z_SL/NPR_DATE", NPR_NUM))
    sl = d.root.at("ZAP/Z_SL/SL")
    if sl.child("PROFIL") is not None:
        late = max((n for n in PROFIL_M_LATE_AFTER if sl.child(n) is not None), key=sl.names().index, default=None)
        edits.append(insert_after("ZAP/Z_SL/SL/PROFIL", variant(PROFIL_M, also_after=(late,) if late else ())))
    if _has(d, "ZAP/Z_SL/SL/USL/PROFIL"):
        edits.append(insert_after("ZAP/Z_SL/SL/USL/PROFIL", PROFIL_M))
    if _has(d, "ZAP/Z_SL/SL/KSG_KPG"):
        ksg = d.root.at("ZAP/Z_SL/SL/KSG_KPG")
        edits.append(insert_after("ZAP/Z_SL/SL/KSG_KPG/KOEF_U", K_ZP))
        edits.append(insert_after(f"ZAP/Z_SL/SL/KSG_KPG/{ksg.children[-1].name}", PR_PR, KOEF_PR))
    for block in ("NAPR", "NAZ"):
        if _has(d, f"ZAP/Z_SL/SL/{block}/NAPR_DATE"):
            edits.append(insert_after(f"ZAP/Z_SL/SL/{block}/NAPR_DATE", NAPR_NUM))
    if _has(d, "ZAP/Z_SL/SL/ONK_SL/ONK_USL/LEK_PR/REGNUM"):
        edits.append(insert_after("ZAP/Z_SL/SL/ONK_SL/ONK_USL/LEK_PR/REGNUM", REGNUM_DOP))
    return tuple(edits)


H = H32.derive(*edits_40(H32), version="4.0")
C = C32.derive(*edits_40(C32), version="4.0")

register(H, C)
