"""Format version 5.0 (all case files — H, C, T and D-files ``X`` — from reporting period 01.2025;
Q015 002F.00.0014 «Версия файла должна быть 5.0»): 4.0 plus its differences. L stays 3.2.

* H, C: derived from 4.0 (:mod:`.v4_0`);
* T, X: they had no 4.0, so 5.0 is their 3.2 with the 4.0 edits that fit the kind
  (:func:`.v4_0.edits_40`) and the 5.0 ones below.

What 5.0 adds to 4.0:

* ``ONK_SL/ONK_USL/LEK_PR`` (C, T): ``INJ`` [0..n] after ``DATE_INJ`` — ``DATE_INJ`` [1],
  ``KV_INJ``, ``KIZ_INJ`` N(11,3), ``S_INJ`` N(21,6), ``SV_INJ``, ``SIZ_INJ`` N(17,2), ``RED_INJ``
  {0, 1} (all optional) — and ``DATE_INJ`` of ``LEK_PR`` becomes optional [0..n]. INJ is the only
  element the evidence ties to 5.x (a fund's loader reads it only for VERSION 5.x); an ``INJ`` in
  a 4.0 file is an unknown element (905).

UNSURE — correct here: every other 4.0/5.x element could as well be 5.0-only (see :mod:`.v4_0`);
the types and occurrences of ``INJ`` come from the regional schema (the checker's model gives
``RED_INJ`` an integer, the amounts decimals — consistent); ``DATE_INJ`` [0..n] in both models.
"""

from __future__ import annotations

from . import register
from .dsl import D, E, FormatDefinition, N, change, insert_after
from .v3_2 import T_ as T32
from .v3_2 import X as X32
from .v4_0 import C as C40
from .v4_0 import H as H40
from .v4_0 import edits_40

ONK_LEK_PR = "ZAP/Z_SL/SL/ONK_SL/ONK_USL/LEK_PR"

INJ = E(
    "INJ",
    "0..n",
    [
        E("DATE_INJ", "1", D, title="Дата введения"),
        E("KV_INJ", "0..1", N(11, 3), title="Количество введённого препарата (KV_INJ)"),
        E("KIZ_INJ", "0..1", N(11, 3), title="Количество израсходованного препарата (KIZ_INJ)"),
        E("S_INJ", "0..1", N(21, 6), title="Стоимость единицы препарата (S_INJ)"),
        E("SV_INJ", "0..1", N(17, 2), title="Стоимость введённого препарата (SV_INJ)"),
        E("SIZ_INJ", "0..1", N(17, 2), title="Стоимость израсходованного препарата (SIZ_INJ)"),
        E("RED_INJ", "0..1", N(1), values="0 1", title="Признак редукции дозы"),
    ],
    title="Сведения о введении противоопухолевого препарата",
)


def edits_50(d: FormatDefinition) -> tuple:
    """The 5.0 edits that fit the kind of ``d`` (a definition with the 4.0 elements)."""
    if d.root.at(f"{ONK_LEK_PR}/DATE_INJ") is None:
        return ()
    return (change(f"{ONK_LEK_PR}/DATE_INJ", occurs="0..n"), insert_after(f"{ONK_LEK_PR}/DATE_INJ", INJ))


def _from_32(d32: FormatDefinition) -> FormatDefinition:
    d40 = d32.derive(*edits_40(d32))
    return d40.derive(*edits_50(d40), version="5.0")


H = H40.derive(*edits_50(H40), version="5.0")
C = C40.derive(*edits_50(C40), version="5.0")
T_ = _from_32(T32)
X = _from_32(X32)

register(H, C, T_, X)
