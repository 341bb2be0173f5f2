"""Format version 3.2: version 3.1 plus its differences.

Cases files (evidence: the diff of the Zabaykalsky МП 3.1 and МП 3.2 XSDs, applied alike
to C and T, which the sources give no separate 3.2 schema for):

* ``PACIENT``: ``NPOLIS`` becomes optional, ``ENP`` added after it; ``SMO_OGRN`` and
  ``SMO_OK`` removed;
* ``SL``: ``WEI`` (масса тела) before ``DS0``; ``LEK_PR`` (лекарственные препараты) after
  ``SUM_M``;
* ``USL``: ``PRVS`` + ``CODE_MD`` replaced by ``MED_DEV`` [0..n] and ``MR_USL_N`` [1..n].

D-series (``X``): ``ENP`` as above and ``MR_USL_N`` [1..n] instead of
``PRVS``/``CODE_MD``. L file 3.2: ``DOCDATE`` and ``DOCORG`` after ``DOCNUM``.
"""

from __future__ import annotations

from . import register
from .blocks import ENP, LEK_PR_32, MED_DEV, MR_USL_N, NPOLIS_OPT, WEI
from .dsl import D, E, T, insert_after, insert_before, remove, replace
from .v3_1 import T_ as T31
from .v3_1 import C as C31
from .v3_1 import H as H31
from .v3_1 import L as L31
from .v3_1 import X as X31

PACIENT_32 = (
    replace("ZAP/PACIENT/NPOLIS", NPOLIS_OPT, ENP),
    remove("ZAP/PACIENT/SMO_OGRN", "ZAP/PACIENT/SMO_OK"),
)

CASES_32 = PACIENT_32 + (
    insert_before("ZAP/Z_SL/SL/DS0", WEI),
    insert_after("ZAP/Z_SL/SL/SUM_M", LEK_PR_32),
    replace("ZAP/Z_SL/SL/USL/PRVS", MED_DEV, MR_USL_N),
    remove("ZAP/Z_SL/SL/USL/CODE_MD"),
)

H = H31.derive(*CASES_32, version="3.2")
C = C31.derive(*CASES_32, version="3.2")
T_ = T31.derive(*CASES_32, version="3.2")

X = X31.derive(
    remove("ZAP/PACIENT/SMO_OGRN", "ZAP/PACIENT/SMO_OK"),
    remove("ZAP/Z_SL/SL/USL/PRVS", "ZAP/Z_SL/SL/USL/CODE_MD"),
    replace("ZAP/Z_SL/SL/USL/MR_USL_N", MR_USL_N),
    version="3.2",
)

L = L31.derive(
    insert_after(
        "PERS/DOCNUM",
        E("DOCDATE", "0..1", D, title="Дата выдачи документа"),
        E("DOCORG", "0..1", T(1000), title="Орган, выдавший документ"),
    ),
    version="3.2",
)

register(H, C, T_, X, L)
