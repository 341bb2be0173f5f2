"""Format version 3.1 (order 59 as amended by order 285): H, C, T, D* (``X``) and L files.

Which elements each kind carries follows the official Q015 table (TYPE_D of each ID_EL)
and the XSDs of other TFOMS.

* **H** — the base tree below.
* **C** (ЗНО) — H plus ``DS_ONK``, ``NAPR``, ``CONS``, ``ONK_SL`` in ``SL``.
* **T** (ВМП) — C with ``VID_HMP``/``METOD_HMP``, ``TAL_*``; without ``INV``, ``VB_P``,
  ``P_CEL``, ``P_PER``, ``KD``, ``DN``, ``KSG_KPG``, ``REAB``, ``USL/NPL``.
* **X** (DP, DV, DO, DS, DU, DF, DA, DB) — its own ``Z_SL``/``SL``/``USL`` (``VBR``,
  ``P_OTK``, ``RSLT_D``, ``DS1_PR``, ``PR_D_N``, ``DS2_N``, ``NAZ``). D-files kept
  VERSION 3.1 after the 2021 amendments (``ENP`` in ``PACIENT``, ``MR_USL_N`` in ``USL``),
  so ``ENP``, ``USL/PRVS``, ``USL/CODE_MD`` and ``USL/MR_USL_N`` are all optional here;
  which of them is required is a ФЛК rule (Q015 003F) matter.
* **L** — ``PERS_LIST`` 3.1 (without ``DOCDATE``/``DOCORG``).
"""
from __future__ import annotations

from . import register
from .blocks import (
    C_ZAB,
    CODE_MD,
    CODE_MES1,
    CODE_MES2,
    CODE_USL,
    COMENTSL,
    COMENTU,
    CONS,
    DATE_1,
    DATE_2,
    DATE_IN,
    DATE_OUT,
    DATE_Z_1,
    DATE_Z_2,
    DET,
    DISP,
    DN,
    DS,
    DS0,
    DS1,
    DS2,
    DS3,
    DS_ONK,
    ED_COL,
    ENP,
    FOR_POM,
    ID_PAC,
    IDCASE,
    IDDOKT,
    IDSERV,
    IDSP,
    INV,
    ISHOD,
    KD,
    KD_Z,
    KOL_USL,
    KSG_KPG,
    LPU,
    LPU_1,
    METOD_HMP,
    MR_USL_N,
    MSE,
    N_ZAP,
    NAPR,
    NHISTORY,
    NOVOR,
    NPL,
    NPOLIS,
    NPOLIS_OPT,
    NPR_DATE,
    NPR_MO,
    ONK_SL,
    OPLATA,
    OS_SLUCH,
    P_CEL,
    P_OTK,
    P_PER,
    PODR,
    PR_NOV,
    PROFIL,
    PROFIL_K,
    PRVS,
    REAB,
    RSLT,
    RSLT_D,
    SANK,
    SANK_IT,
    SCHET,
    SL_ID,
    SMO,
    SMO_NAM,
    SMO_OGRN,
    SMO_OK,
    SPOLIS,
    ST_OKATO,
    SUM_M,
    SUMP,
    SUMV,
    SUMV_USL,
    TAL_D,
    TAL_NUM,
    TAL_P,
    TARIF,
    USL_OK,
    USL_PODR,
    USL_PRVS,
    USL_TARIF,
    VB_P,
    VBR,
    VERS_SPEC,
    VID_HMP,
    VID_VME,
    VIDPOM,
    VNOV_D,
    VNOV_M,
    VPOLIS,
    ZGLV_CASES,
    ZGLV_PERS,
    pacient,
)
from .dsl import D, E, FormatDefinition, N, T, insert_after, remove, span, variant

# -- H ----------------------------------------------------------------------------------
USL_H = E("USL", "0..n", [
    IDSERV, LPU, LPU_1, USL_PODR, PROFIL, VID_VME, DET, DATE_IN, DATE_OUT, DS, CODE_USL,
    KOL_USL, USL_TARIF, SUMV_USL, USL_PRVS, CODE_MD, NPL, COMENTU,
], title="Сведения об услуге")

SL_H = E("SL", "1..n", [
    SL_ID, LPU_1, PODR, PROFIL, PROFIL_K, DET, P_CEL, NHISTORY, P_PER, DATE_1, DATE_2, KD,
    DS0, DS1, DS2, DS3, C_ZAB, DN, CODE_MES1, CODE_MES2, KSG_KPG, REAB, PRVS, VERS_SPEC,
    IDDOKT, ED_COL, TARIF, SUM_M, USL_H, COMENTSL,
], title="Сведения о случае")

H = FormatDefinition("H", "3.1", E("ZL_LIST", "1", [
    ZGLV_CASES,
    SCHET,
    E("ZAP", "1..n", [
        N_ZAP, PR_NOV,
        pacient(ID_PAC, VPOLIS, SPOLIS, NPOLIS, ST_OKATO, SMO, SMO_OGRN, SMO_OK, SMO_NAM,
                INV, MSE, NOVOR, VNOV_D),
        E("Z_SL", "1", [
            IDCASE, USL_OK, VIDPOM, FOR_POM, NPR_MO, NPR_DATE, LPU, DATE_Z_1, DATE_Z_2, KD_Z,
            VNOV_M, RSLT, ISHOD, OS_SLUCH, VB_P,
            SL_H,
            IDSP, SUMV, OPLATA, SUMP, SANK, SANK_IT,
        ], title="Сведения о законченном случае"),
    ], title="Записи"),
]), record_tag="ZAP", title="Сведения об оказанной медицинской помощи")

# -- C: H + onco blocks -----------------------------------------------------------------
C = H.derive(
    insert_after("ZAP/Z_SL/SL/C_ZAB", DS_ONK),
    insert_after("ZAP/Z_SL/SL/CODE_MES2", NAPR, CONS, ONK_SL),
    kind="C", title="Сведения о случаях со злокачественными новообразованиями")

# -- T: C + ВМП, without elements the Q015 table does not give for T --------------------
T_ = C.derive(
    remove("ZAP/PACIENT/INV", "ZAP/Z_SL/VB_P",
           "ZAP/Z_SL/SL/P_CEL", "ZAP/Z_SL/SL/P_PER", "ZAP/Z_SL/SL/KD", "ZAP/Z_SL/SL/DN",
           "ZAP/Z_SL/SL/KSG_KPG", "ZAP/Z_SL/SL/REAB", "ZAP/Z_SL/SL/USL/NPL"),
    insert_after("ZAP/Z_SL/SL/SL_ID", VID_HMP, METOD_HMP),
    insert_after("ZAP/Z_SL/SL/DET", TAL_D, TAL_NUM, TAL_P),
    kind="T", title="Сведения о высокотехнологичной медицинской помощи")

# -- X: dispanserization and preventive examinations ------------------------------------
USL_X = E("USL", "0..n", [
    IDSERV, LPU, LPU_1, DATE_IN, DATE_OUT,
    E("P_OTK", "1", N(1), values="0 1", title="Признак отказа от услуги"),
    CODE_USL, USL_TARIF, SUMV_USL,
    variant(USL_PRVS, "0..1"),
    variant(CODE_MD, "0..1"),
    variant(MR_USL_N, "0..n"),
    COMENTU,
], title="Сведения об услуге")

SL_X = E("SL", "1..n", [
    SL_ID, LPU_1, NHISTORY, DATE_1, DATE_2, DS1,
    E("DS1_PR", "0..1", N(1), values="1", title="Признак первичного установления диагноза"),
    DS_ONK,
    E("PR_D_N", "0..1", N(1), values="1 2 3", title="Признак диспансерного наблюдения"),
    E("DS2_N", "0..n", [
        E("DS2",      "1",    T(10)),
        E("DS2_PR",   "0..1", N(1), values="1"),
        E("PR_DS2_N", "1",    N(1), values="1 2 3"),
    ], title="Сопутствующие заболевания"),
    E("NAZ", "0..n", [
        E("NAZ_N",      "1",    N(2)),
        E("NAZ_R",      "1",    N(2), values=span(1, 6)),
        E("NAZ_IDDOKT", "0..1", T(25)),
        E("NAZ_SP",     "0..1", N(4)),
        E("NAZ_V",      "0..1", N(1)),
        E("NAZ_USL",    "0..1", T(15)),
        E("NAPR_DATE",  "0..1", D),
        E("NAPR_MO",    "0..1", T(6)),
        E("NAZ_PMP",    "0..1", N(3)),
        E("NAZ_PK",     "0..1", N(3)),
    ], title="Назначения"),
    ED_COL, TARIF, SUM_M, USL_X, COMENTSL,
], title="Сведения о случае")

X = FormatDefinition("X", "3.1", E("ZL_LIST", "1", [
    ZGLV_CASES,
    variant(SCHET, children=SCHET.children + (DISP,)),   # SCHET + DISP
    E("ZAP", "1..n", [
        N_ZAP, PR_NOV,
        pacient(ID_PAC, VPOLIS, SPOLIS, NPOLIS_OPT, ENP, ST_OKATO, SMO, SMO_OGRN, SMO_OK,
                SMO_NAM, NOVOR),
        E("Z_SL", "1", [
            IDCASE, VIDPOM, LPU, VBR, DATE_Z_1, DATE_Z_2, P_OTK, RSLT_D, OS_SLUCH,
            SL_X,
            IDSP, SUMV, OPLATA, SUMP, SANK, SANK_IT,
        ], title="Сведения о законченном случае"),
    ], title="Записи"),
]), record_tag="ZAP", title="Сведения о диспансеризации и профилактических осмотрах")

# -- L: personal data -------------------------------------------------------------------
W_VALUES = "1 2"
DOST_VALUES = span(1, 6)

L = FormatDefinition("L", "3.1", E("PERS_LIST", "1", [
    ZGLV_PERS,
    E("PERS", "1..n", [
        E("ID_PAC",  "1",    T(36),  title="Код записи о пациенте"),
        E("FAM",     "0..1", T(40),  title="Фамилия"),
        E("IM",      "0..1", T(40),  title="Имя"),
        E("OT",      "0..1", T(40),  title="Отчество"),
        E("W",       "1",    N(1),   values=W_VALUES, title="Пол (V005)"),
        E("DR",      "1",    D,      title="Дата рождения"),
        E("DOST",    "0..n", N(1),   values=DOST_VALUES, title="Код надёжности идентификации"),
        E("TEL",     "0..1", T(10),  title="Номер телефона"),
        E("FAM_P",   "0..1", T(40),  title="Фамилия представителя"),
        E("IM_P",    "0..1", T(40),  title="Имя представителя"),
        E("OT_P",    "0..1", T(40),  title="Отчество представителя"),
        E("W_P",     "0..1", N(1),   values=W_VALUES, title="Пол представителя"),
        E("DR_P",    "0..1", D,      title="Дата рождения представителя"),
        E("DOST_P",  "0..n", N(1),   values=DOST_VALUES, title="Надёжность идентификации представителя"),
        E("MR",      "0..1", T(100), title="Место рождения"),
        E("DOCTYPE", "0..1", N(2),   title="Тип документа, удостоверяющего личность (F011)"),
        E("DOCSER",  "0..1", T(10),  title="Серия документа"),
        E("DOCNUM",  "0..1", T(20),  title="Номер документа"),
        E("SNILS",   "0..1", T(14),  title="СНИЛС"),
        E("OKATOG",  "0..1", T(11),  title="Код места жительства по ОКАТО"),
        E("OKATOP",  "0..1", T(11),  title="Код места пребывания по ОКАТО"),
        E("COMENTP", "0..1", T(250), title="Служебное поле"),
    ], title="Сведения о пациентах"),
]), record_tag="PERS", title="Персональные данные")

register(H, C, T_, X, L)
