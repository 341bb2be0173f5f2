"""Every record-scope ФЛК rule: a valid record gives nothing; one mutation gives exactly the
rule's code (plus the listed companions that the same defect necessarily triggers), at the right
element, line, SL_ID and IDSERV."""

from __future__ import annotations

from datetime import date
from typing import Callable, NamedTuple, Optional

import pytest

from app.controls.catalogue import RuleBook
from app.controls.flk import check_record
from app.controls.flk.registry import get
from tests.controls.factory import (
    E,
    adult,
    amb_zap,
    at,
    chain,
    ctx,
    day_zap,
    hosp_zap,
    mutate,
    newborn,
    newborn_pers,
    onco_zap,
    smp_zap,
)


class Case(NamedTuple):
    code: str
    base: Callable
    changes: tuple
    at: str  # path of the expected place ("PERS:…" for the L file)
    also: frozenset = frozenset()
    kind: str = "H"
    person: Optional[Callable] = adult
    pchanges: tuple = ()
    ctx: dict = {}


def C(code, base, *changes, at, also=(), kind="H", person=adult, pchanges=(), **ctx_kw):
    return Case(code, base, tuple(changes), at, frozenset(also), kind, person, tuple(pchanges), ctx_kw)


def nb_amb():
    return newborn(amb_zap())


LEK_PR = E("LEK_PR", E("REGNUM", "000001"), E("CODE_SH", "sh0001"), E("DATE_INJ", "2025-01-12"))
SANK = E(
    "SANK",
    E("S_CODE", "1"),
    E("S_SUM", "100.00"),
    E("S_TIP", "1"),
    E("DATE_ACT", "2025-02-20"),
    E("NUM_ACT", "1"),
    E("S_IST", "1"),
)
NAPR = E("NAPR", E("NAPR_DATE", "2025-01-15"), E("NAPR_MO", "140002"), E("NAPR_V", "1"))
ONK_USL = "Z_SL/SL/ONK_SL/ONK_USL"

CASES: list[Case] = [
    # ---- ZAP / PACIENT
    C("002F.00.0080", amb_zap, ("PR_NOV", "2"), at="PR_NOV"),
    C("002F.00.0090", amb_zap, ("+PACIENT/INV", "7"), at="PACIENT/INV"),
    C("002F.00.0100", amb_zap, ("+PACIENT/MSE", "2"), at="PACIENT/MSE"),
    C("002F.00.0130", nb_amb, ("PACIENT/NOVOR", "31001251"), at="PACIENT/NOVOR", person=newborn_pers),
    C("002F.00.0130", nb_amb, ("PACIENT/NOVOR", "11001211"), at="PACIENT/NOVOR", person=newborn_pers),
    C("002F.00.0130", nb_amb, ("PACIENT/NOVOR", "21001251"), at="PACIENT/NOVOR", person=newborn_pers),
    C("002F.00.0130", nb_amb, ("PACIENT/NOVOR", "11101241"), at="PACIENT/NOVOR", person=newborn_pers),
    C("002F.00.0140", amb_zap, ("+PACIENT/VNOV_D", "100"), at="PACIENT/VNOV_D"),
    # ---- the elements of 5.x (app/controls/flk/rules_v5.py)
    C("002F.00.0146", amb_zap, ("+PACIENT/SOC", "099"), at="PACIENT/SOC"),
    C("002F.00.0465", hosp_zap, ("+Z_SL/SL/KSG_KPG/K_ZP", "0.95"), at="Z_SL/SL/KSG_KPG/K_ZP"),
    C(
        "002F.00.0433",
        onco_zap,
        (f"+{ONK_USL}/LEK_PR", LEK_PR),
        (f"+{ONK_USL}/LEK_PR/INJ", E("INJ", E("DATE_INJ", "2025-01-12"), E("RED_INJ", "2"))),
        at=f"{ONK_USL}/LEK_PR/INJ/RED_INJ",
        also={"003F.00.1500"},  # a drug for surgery (USL_TIP 1): only the place of RED_INJ matters here
        kind="C",
    ),
    C("002F.00.0150", amb_zap, ("+Z_SL/VNOV_M", "3000"), at="Z_SL/VNOV_M"),
    C(
        "003F.00.0390",
        amb_zap,
        ("+PACIENT/VNOV_D", "1500"),
        ("+Z_SL/VNOV_M", "1500"),
        at="PACIENT/VNOV_D",
        also={"003F.00.0450"},
    ),
    C(
        "003F.00.0450",
        amb_zap,
        ("+PACIENT/VNOV_D", "1500"),
        ("+Z_SL/VNOV_M", "1500"),
        at="Z_SL/VNOV_M",
        also={"003F.00.0390"},
    ),
    C("003F.00.0080", amb_zap, ("+PACIENT/SPOLIS", "АБ"), at="PACIENT/SPOLIS"),
    C("003F.00.2170", amb_zap, ("PACIENT/ENP", None), at="PACIENT"),
    C("003F.00.0110", amb_zap, ("PACIENT/VPOLIS", "1"), at="PACIENT"),
    C("003F.00.0120", amb_zap, ("PACIENT/SMO", None), at="PACIENT"),
    C("006F.00.0220", amb_zap, ("PACIENT/SMO", "14002"), at="PACIENT/SMO"),
    C("006F.00.0030", amb_zap, ("Z_SL/LPU", "140002"), at="Z_SL/LPU"),
    # ---- referral
    C("003F.00.0400", hosp_zap, ("Z_SL/NPR_MO", None), at="Z_SL", also={"003F.00.0401"}),
    C("003F.00.0400", day_zap, ("Z_SL/NPR_MO", None), ("Z_SL/NPR_DATE", None), at="Z_SL", also={"003F.00.0410"}),
    C("003F.00.0410", hosp_zap, ("Z_SL/NPR_DATE", None), at="Z_SL", also={"003F.00.0402"}),
    C("003F.00.0401", amb_zap, ("+Z_SL/NPR_DATE", "2025-01-09"), at="Z_SL"),
    C("003F.00.0402", amb_zap, ("+Z_SL/NPR_MO", "140002"), at="Z_SL"),
    C("006F.00.0310", hosp_zap, ("Z_SL/NPR_DATE", "2025-01-11"), at="Z_SL/NPR_DATE"),
    C("006F.00.0311", hosp_zap, at="Z_SL/NPR_DATE", pchanges=(("DR", "2025-01-07"),)),
    # ---- presence by USL_OK / IDSP
    C("003F.00.0430", hosp_zap, ("Z_SL/KD_Z", None), at="Z_SL"),
    C("003F.00.0440", amb_zap, ("+Z_SL/KD_Z", "3"), at="Z_SL/KD_Z"),
    C("003F.00.0740", hosp_zap, ("Z_SL/SL/KD", None), at="Z_SL/SL"),
    C("003F.00.0750", amb_zap, ("+Z_SL/SL/KD", "3"), at="Z_SL/SL/KD"),
    C("003F.00.0640", hosp_zap, ("Z_SL/SL/PROFIL_K", None), at="Z_SL/SL"),
    C("003F.00.0650", amb_zap, ("+Z_SL/SL/PROFIL_K", "30"), at="Z_SL/SL/PROFIL_K"),
    C("003F.00.0660", amb_zap, ("Z_SL/SL/P_CEL", None), at="Z_SL/SL"),
    C("003F.00.0670", hosp_zap, ("+Z_SL/SL/P_CEL", "3.0"), at="Z_SL/SL/P_CEL"),
    C("003F.00.0700", hosp_zap, ("Z_SL/SL/P_PER", None), at="Z_SL/SL"),
    C("003F.00.0710", amb_zap, ("+Z_SL/SL/P_PER", "1"), at="Z_SL/SL/P_PER"),
    C("003F.00.0800", hosp_zap, ("Z_SL/SL/KSG_KPG", None), at="Z_SL/SL"),
    C(
        "003F.00.0810",
        amb_zap,
        ("+Z_SL/SL/KSG_KPG", E("KSG_KPG", E("N_KSG", "st13.005"), E("VER_KSG", "2025"))),
        at="Z_SL/SL/KSG_KPG",
    ),
    C("003F.00.1100", hosp_zap, ("Z_SL/SL/KSG_KPG/N_KSG", None), at="Z_SL/SL/KSG_KPG", also={"003F.00.1120"}),
    C("003F.00.1120", hosp_zap, ("Z_SL/SL/KSG_KPG/N_KSG", None), at="Z_SL/SL/KSG_KPG", also={"003F.00.1100"}),
    C("003F.00.1110", hosp_zap, ("+Z_SL/SL/KSG_KPG/N_KPG", "1"), at="Z_SL/SL/KSG_KPG/N_KSG", also={"003F.00.1130"}),
    C("003F.00.1130", hosp_zap, ("+Z_SL/SL/KSG_KPG/N_KPG", "1"), at="Z_SL/SL/KSG_KPG/N_KPG", also={"003F.00.1110"}),
    C(
        "003F.00.1140",
        hosp_zap,
        ("+Z_SL/SL/KSG_KPG/SL_KOEF", E("SL_KOEF", E("IDSL", "1"), E("Z_SL", "1.10000"))),
        at="Z_SL/SL/KSG_KPG",
    ),
    C("003F.00.1150", hosp_zap, ("+Z_SL/SL/KSG_KPG/IT_SL", "1.10000"), at="Z_SL/SL/KSG_KPG/IT_SL"),
    C("002F.00.0440", hosp_zap, ("Z_SL/SL/KSG_KPG/KSG_PG", "2"), at="Z_SL/SL/KSG_KPG/KSG_PG"),
    C("002F.00.0450", hosp_zap, ("Z_SL/SL/KSG_KPG/SL_K", "3"), at="Z_SL/SL/KSG_KPG/SL_K"),
    C("003F.00.0500", hosp_zap, ("Z_SL/SL/P_PER", "4"), at="Z_SL"),
    C("003F.00.0510", amb_zap, ("+Z_SL/VB_P", "1"), at="Z_SL/VB_P"),
    C("003F.00.0790", amb_zap, ("Z_SL/SL/P_CEL", "1.3"), at="Z_SL/SL"),
    C("003F.00.0820", amb_zap, ("Z_SL/FOR_POM", "2"), ("+Z_SL/SL/REAB", "1"), at="Z_SL/SL/REAB"),
    C("006F.00.0390", nb_amb, ("+Z_SL/SL/REAB", "1"), at="Z_SL/SL/REAB", person=newborn_pers),
    C("003F.00.0760", amb_zap, ("Z_SL/SL/C_ZAB", None), at="Z_SL/SL"),
    # ---- diagnoses, standards
    C("002F.00.0260", amb_zap, ("Z_SL/SL/DS1", "C50.9"), at="Z_SL/SL/DS1"),
    C("006F.00.0430", amb_zap, ("+Z_SL/SL/DS2", "I10"), at="Z_SL/SL/DS1"),
    C("006F.00.0440", amb_zap, ("+Z_SL/SL/DS2", "I11.9"), ("+Z_SL/SL/DS3", "I11.9"), at="Z_SL/SL/DS2"),
    C("006F.00.0450", amb_zap, ("+Z_SL/SL/CODE_MES1", "X1"), ("+Z_SL/SL/CODE_MES2", "X1"), at="Z_SL/SL/CODE_MES1"),
    # ---- allowed values
    C("002F.00.0160", amb_zap, ("+Z_SL/OS_SLUCH", "3"), at="Z_SL/OS_SLUCH", pchanges=(("OT", None), ("+DOST", "1"))),
    C("002F.00.0170", hosp_zap, ("Z_SL/SL/P_PER", "4"), ("+Z_SL/VB_P", "2"), at="Z_SL/VB_P"),
    C("002F.00.0180", amb_zap, ("+Z_SL/OPLATA", "5"), at="Z_SL/OPLATA"),
    C("002F.00.0220", amb_zap, ("Z_SL/SL/DET", "2"), at="Z_SL/SL/DET"),
    C("002F.00.0240", hosp_zap, ("Z_SL/SL/P_PER", "5"), at="Z_SL/SL/P_PER"),
    C("002F.00.0250", onco_zap, ("Z_SL/SL/DS_ONK", "2"), at="Z_SL/SL/DS_ONK", kind="C"),
    C("002F.00.0280", amb_zap, ("+Z_SL/SL/DN", "3"), at="Z_SL/SL/DN"),
    C("002F.00.0290", amb_zap, ("+Z_SL/SL/REAB", "2"), at="Z_SL/SL/REAB"),
    C("002F.00.0320", amb_zap, ("Z_SL/SL/VERS_SPEC", "V015"), at="Z_SL/SL/VERS_SPEC"),
    C("002F.00.0510", amb_zap, ("Z_SL/SL/USL/DET", "2"), at="Z_SL/SL/USL/DET"),
    C("002F.00.0520", amb_zap, ("+Z_SL/SL/USL/NPL", "5"), at="Z_SL/SL/USL/NPL"),
    # ---- USL_OK / VIDPOM / FOR_POM / RSLT / ISHOD / IDSP
    C("006F.00.1200", smp_zap, ("Z_SL/VIDPOM", "13"), at="Z_SL/VIDPOM"),
    C("006F.00.1210", amb_zap, ("Z_SL/VIDPOM", "31"), at="Z_SL/VIDPOM"),
    C("006F.00.1220", day_zap, ("Z_SL/VIDPOM", "3"), at="Z_SL/VIDPOM"),
    C("006F.00.1230", hosp_zap, ("Z_SL/VIDPOM", "13"), at="Z_SL/VIDPOM"),
    C("006F.00.1280", day_zap, ("Z_SL/FOR_POM", "1"), at="Z_SL/FOR_POM"),
    C("006F.00.1290", amb_zap, ("Z_SL/FOR_POM", "1"), at="Z_SL/FOR_POM"),
    C("006F.00.1300", smp_zap, ("Z_SL/FOR_POM", "3"), at="Z_SL/FOR_POM"),
    C("006F.00.1310", hosp_zap, ("Z_SL/RSLT", "301"), at="Z_SL/RSLT"),
    C("006F.00.1320", day_zap, ("Z_SL/RSLT", "101"), at="Z_SL/RSLT"),
    C("006F.00.1330", amb_zap, ("Z_SL/RSLT", "201"), at="Z_SL/RSLT"),
    C("006F.00.1340", smp_zap, ("Z_SL/RSLT", "301"), at="Z_SL/RSLT"),
    C("006F.00.1110", amb_zap, ("Z_SL/RSLT", "302"), ("Z_SL/ISHOD", "306"), at="Z_SL/RSLT"),
    C("006F.00.1120", smp_zap, ("Z_SL/RSLT", "407"), at="Z_SL/ISHOD"),
    C("006F.00.1130", hosp_zap, ("Z_SL/RSLT", "102"), ("Z_SL/ISHOD", "101"), at="Z_SL/ISHOD"),
    C("006F.00.1140", day_zap, ("Z_SL/RSLT", "202"), ("Z_SL/ISHOD", "201"), at="Z_SL/ISHOD"),
    C("006F.00.1240", hosp_zap, ("Z_SL/RSLT", "105"), at="Z_SL/ISHOD"),
    C("006F.00.1250", day_zap, ("Z_SL/RSLT", "205"), at="Z_SL/ISHOD"),
    C("006F.00.1260", amb_zap, ("Z_SL/RSLT", "313"), at="Z_SL/ISHOD"),
    C("006F.00.1270", smp_zap, ("Z_SL/RSLT", "405"), at="Z_SL/ISHOD"),
    C("006F.00.1150", amb_zap, ("Z_SL/IDSP", "33"), at="Z_SL/IDSP", kind="X"),
    # ---- age, names, special cases
    C("006F.00.0395", amb_zap, ("Z_SL/SL/DET", "1"), at="Z_SL/SL/DET"),
    C("006F.00.0520", amb_zap, ("Z_SL/SL/USL/DET", "1"), at="Z_SL/SL/USL/DET"),
    C("003F.00.0460", amb_zap, at="Z_SL", pchanges=(("OT", None), ("+DOST", "1"))),
    C("003F.00.0460", nb_amb, ("PACIENT/NOVOR", "11001252"), at="Z_SL", person=newborn_pers),
    C("003F.00.0480", amb_zap, ("+Z_SL/OS_SLUCH", "2"), at="Z_SL/OS_SLUCH"),
    # ---- dates
    C("006F.00.0330", amb_zap, ("Z_SL/DATE_Z_2", "2025-01-09"), at="Z_SL/DATE_Z_1", also={"006F.00.0420"}),
    C("006F.00.0340", amb_zap, at="Z_SL/DATE_Z_2", dschet=date(2025, 1, 12)),
    C("006F.00.0400", amb_zap, ("Z_SL/SL/DATE_1", "2025-01-09"), at="Z_SL/SL/DATE_1"),
    C("006F.00.0410", hosp_zap, ("Z_SL/SL/DATE_2", "2025-01-09"), at="Z_SL/SL/DATE_1"),
    C("006F.00.0420", hosp_zap, ("Z_SL/SL/DATE_2", "2025-01-20"), at="Z_SL/SL/DATE_2"),
    C("006F.00.0530", amb_zap, ("Z_SL/SL/USL/DATE_IN", "2025-01-09"), at="Z_SL/SL/USL/DATE_IN"),
    C(
        "006F.00.0550",
        amb_zap,
        ("Z_SL/SL/USL/DATE_IN", "2025-01-12"),
        ("Z_SL/SL/USL/DATE_OUT", "2025-01-11"),
        at="Z_SL/SL/USL/DATE_IN",
    ),
    C("006F.00.0560", amb_zap, ("Z_SL/SL/USL/DATE_OUT", "2025-01-16"), at="Z_SL/SL/USL/DATE_OUT"),
    C("006F.00.0160", amb_zap, at="Z_SL/DATE_Z_2", year=2024),
    C("006F.00.0180", amb_zap, ("Z_SL/DATE_Z_2", "2025-02-01"), at="Z_SL/DATE_Z_2"),
    # ---- sums
    C("006F.00.0370", amb_zap, ("Z_SL/SUMV", "1600.00"), at="Z_SL/SUMV"),
    C("006F.00.0460", amb_zap, ("Z_SL/SL/TARIF", "1600.00"), at="Z_SL/SL/TARIF"),
    C("006F.00.0570", amb_zap, ("Z_SL/SL/USL/TARIF", "1600.00"), at="Z_SL/SL/USL/TARIF"),
    C("006F.00.1160", amb_zap, ("+Z_SL/SUMP", "1000.00"), at="Z_SL/SUMP"),
    C("006F.00.1180", amb_zap, ("+Z_SL/OPLATA", "2"), ("+Z_SL/SUMP", "1500.00"), at="Z_SL/SUMP"),
    C(
        "006F.00.1190",
        amb_zap,
        ("+Z_SL/OPLATA", "1"),
        ("+Z_SL/SUMP", "1000.00"),
        ("+Z_SL/SANK_IT", "500.00"),
        at="Z_SL/SUMP",
    ),
    C("003F.00.0590", amb_zap, ("+Z_SL/SANK", SANK), at="Z_SL"),
    # ---- ЗНО (C file)
    C("003F.00.0062", onco_zap, ("Z_SL/SL/DS1", "I10"), at="Z_SL", also={"003F.00.0912"}, kind="C"),
    C("003F.00.0782", onco_zap, ("Z_SL/SL/C_ZAB", None), at="Z_SL/SL", kind="C"),
    C("003F.00.0842", onco_zap, ("Z_SL/SL/CONS", None), at="Z_SL/SL", kind="C"),
    C("003F.00.0882", onco_zap, ("Z_SL/SL/ONK_SL", None), at="Z_SL/SL", kind="C"),
    C("003F.00.0912", onco_zap, ("+Z_SL/SL/REAB", "1"), at="Z_SL/SL/ONK_SL", kind="C"),
    C("003F.00.0932", onco_zap, ("Z_SL/SL/TARIF", None), at="Z_SL/SL", kind="C"),
    C("003F.00.0962", onco_zap, ("Z_SL/SL/USL", None), at="Z_SL/SL", kind="C"),
    C("003F.00.0980", onco_zap, ("Z_SL/SL/ONK_SL/STAD", None), at="Z_SL/SL/ONK_SL", kind="C"),
    C("003F.00.0990", onco_zap, ("Z_SL/SL/ONK_SL/ONK_T", None), at="Z_SL/SL/ONK_SL", kind="C"),
    C("003F.00.1000", onco_zap, ("Z_SL/SL/ONK_SL/ONK_N", None), at="Z_SL/SL/ONK_SL", kind="C"),
    C("003F.00.1010", onco_zap, ("Z_SL/SL/ONK_SL/ONK_M", None), at="Z_SL/SL/ONK_SL", kind="C"),
    C("003F.00.1020", onco_zap, ("+Z_SL/SL/ONK_SL/MTSTZ", "1"), at="Z_SL/SL/ONK_SL/MTSTZ", kind="C"),
    C(
        "002F.00.0360",
        onco_zap,
        ("Z_SL/SL/ONK_SL/DS1_T", "1"),
        ("+Z_SL/SL/ONK_SL/MTSTZ", "2"),
        at="Z_SL/SL/ONK_SL/MTSTZ",
        kind="C",
    ),
    C(
        "003F.00.1030",
        onco_zap,
        (f"{ONK_USL}/USL_TIP", "3"),
        (f"{ONK_USL}/HIR_TIP", None),
        (f"+{ONK_USL}/LUCH_TIP", "1"),
        at="Z_SL/SL/ONK_SL",
        also={"003F.00.1050"},
        kind="C",
    ),
    C(
        "003F.00.1050",
        onco_zap,
        (f"{ONK_USL}/USL_TIP", "3"),
        (f"{ONK_USL}/HIR_TIP", None),
        (f"+{ONK_USL}/LUCH_TIP", "1"),
        at="Z_SL/SL/ONK_SL",
        also={"003F.00.1030"},
        kind="C",
    ),
    C("003F.00.1040", onco_zap, ("+Z_SL/SL/ONK_SL/SOD", "40.00"), at="Z_SL/SL/ONK_SL/SOD", kind="C"),
    C("003F.00.1060", onco_zap, ("+Z_SL/SL/ONK_SL/K_FR", "5"), at="Z_SL/SL/ONK_SL/K_FR", kind="C"),
    C("003F.00.1070", onco_zap, ("+Z_SL/SL/ONK_SL/BSA", "1.80"), at="Z_SL/SL/ONK_SL", also={"003F.00.1080"}, kind="C"),
    C(
        "003F.00.1080",
        onco_zap,
        ("+Z_SL/SL/ONK_SL/BSA", "1.80"),
        ("+Z_SL/SL/ONK_SL/WEI", "70.0"),
        at="Z_SL/SL/ONK_SL",
        kind="C",
    ),
    C("003F.00.1090", onco_zap, (ONK_USL, None), at="Z_SL/SL/ONK_SL", kind="C"),
    C("002F.00.0400", onco_zap, ("Z_SL/SL/ONK_SL/B_DIAG/DIAG_TIP", "3"), at="Z_SL/SL/ONK_SL/B_DIAG/DIAG_TIP", kind="C"),
    C("002F.00.0410", onco_zap, ("Z_SL/SL/ONK_SL/B_DIAG/REC_RSLT", "2"), at="Z_SL/SL/ONK_SL/B_DIAG/REC_RSLT", kind="C"),
    C("003F.00.1250", onco_zap, ("Z_SL/SL/ONK_SL/B_DIAG/DIAG_RSLT", None), at="Z_SL/SL/ONK_SL/B_DIAG", kind="C"),
    C("003F.00.1260", onco_zap, ("Z_SL/SL/ONK_SL/B_DIAG/REC_RSLT", None), at="Z_SL/SL/ONK_SL/B_DIAG", kind="C"),
    C(
        "006F.00.0510",
        onco_zap,
        ("Z_SL/SL/ONK_SL/B_PROT/D_PROT", "2025-01-21"),
        at="Z_SL/SL/ONK_SL/B_PROT/D_PROT",
        kind="C",
    ),
    C("003F.00.1410", onco_zap, (f"{ONK_USL}/HIR_TIP", None), at=ONK_USL, kind="C"),
    C("003F.00.1420", onco_zap, (f"{ONK_USL}/USL_TIP", "5"), at=f"{ONK_USL}/HIR_TIP", kind="C"),
    C(
        "003F.00.1430",
        onco_zap,
        (f"{ONK_USL}/USL_TIP", "2"),
        (f"{ONK_USL}/HIR_TIP", None),
        (f"+{ONK_USL}/LEK_TIP_V", "1"),
        (f"+{ONK_USL}/LEK_PR", LEK_PR),
        at=ONK_USL,
        kind="C",
    ),
    C(
        "003F.00.1450",
        onco_zap,
        (f"{ONK_USL}/USL_TIP", "2"),
        (f"{ONK_USL}/HIR_TIP", None),
        (f"+{ONK_USL}/LEK_TIP_L", "1"),
        (f"+{ONK_USL}/LEK_PR", LEK_PR),
        at=ONK_USL,
        kind="C",
    ),
    C(
        "003F.00.1490",
        onco_zap,
        (f"{ONK_USL}/USL_TIP", "2"),
        (f"{ONK_USL}/HIR_TIP", None),
        (f"+{ONK_USL}/LEK_TIP_L", "1"),
        (f"+{ONK_USL}/LEK_TIP_V", "1"),
        at=ONK_USL,
        kind="C",
    ),
    C("003F.00.1440", onco_zap, (f"+{ONK_USL}/LEK_TIP_L", "1"), at=f"{ONK_USL}/LEK_TIP_L", kind="C"),
    C("003F.00.1460", onco_zap, (f"+{ONK_USL}/LEK_TIP_V", "1"), at=f"{ONK_USL}/LEK_TIP_V", kind="C"),
    C("003F.00.1480", onco_zap, (f"+{ONK_USL}/LUCH_TIP", "1"), at=f"{ONK_USL}/LUCH_TIP", kind="C"),
    C("003F.00.1500", onco_zap, (f"+{ONK_USL}/LEK_PR", LEK_PR), at=f"{ONK_USL}/LEK_PR", kind="C"),
    C(
        "003F.00.1470",
        onco_zap,
        (f"{ONK_USL}/USL_TIP", "3"),
        (f"{ONK_USL}/HIR_TIP", None),
        ("+Z_SL/SL/ONK_SL/SOD", "40.00"),
        ("+Z_SL/SL/ONK_SL/K_FR", "5"),
        at=ONK_USL,
        kind="C",
    ),
    C("002F.00.0420", onco_zap, (f"+{ONK_USL}/PPTR", "2"), at=f"{ONK_USL}/PPTR", kind="C"),
    C(
        "006F.00.0610",
        onco_zap,
        (f"{ONK_USL}/USL_TIP", "2"),
        (f"{ONK_USL}/HIR_TIP", None),
        (f"+{ONK_USL}/LEK_TIP_L", "1"),
        (f"+{ONK_USL}/LEK_TIP_V", "1"),
        (f"+{ONK_USL}/LEK_PR", LEK_PR),
        (f"{ONK_USL}/LEK_PR/DATE_INJ", "2025-01-09"),
        at=f"{ONK_USL}/LEK_PR/DATE_INJ",
        kind="C",
    ),
    C(
        "006F.00.0620",
        onco_zap,
        (f"{ONK_USL}/USL_TIP", "2"),
        (f"{ONK_USL}/HIR_TIP", None),
        (f"+{ONK_USL}/LEK_TIP_L", "1"),
        (f"+{ONK_USL}/LEK_TIP_V", "1"),
        (f"+{ONK_USL}/LEK_PR", LEK_PR),
        (f"{ONK_USL}/LEK_PR/DATE_INJ", "2025-01-21"),
        at=f"{ONK_USL}/LEK_PR/DATE_INJ",
        kind="C",
    ),
    C("003F.00.1190", onco_zap, ("+Z_SL/SL/NAPR", NAPR), ("Z_SL/SL/NAPR/NAPR_V", "3"), at="Z_SL/SL/NAPR", kind="C"),
    C(
        "003F.00.1200",
        onco_zap,
        ("+Z_SL/SL/NAPR", NAPR),
        ("+Z_SL/SL/NAPR/MET_ISSL", "1"),
        ("+Z_SL/SL/NAPR/NAPR_USL", "A06.09.005"),
        at="Z_SL/SL/NAPR/MET_ISSL",
        kind="C",
    ),
    C(
        "003F.00.1210",
        onco_zap,
        ("+Z_SL/SL/NAPR", NAPR),
        ("Z_SL/SL/NAPR/NAPR_V", "3"),
        ("+Z_SL/SL/NAPR/MET_ISSL", "1"),
        at="Z_SL/SL/NAPR",
        kind="C",
    ),
    C(
        "003F.00.1220",
        onco_zap,
        ("+Z_SL/SL/NAPR", NAPR),
        ("+Z_SL/SL/NAPR/NAPR_USL", "A06.09.005"),
        at="Z_SL/SL/NAPR/NAPR_USL",
        kind="C",
    ),
    C(
        "006F.00.0580",
        onco_zap,
        ("+Z_SL/SL/NAPR", NAPR),
        ("Z_SL/SL/NAPR/NAPR_DATE", "2025-01-21"),
        at="Z_SL/SL/NAPR/NAPR_DATE",
        kind="C",
    ),
    C(
        "006F.00.0590",
        onco_zap,
        ("+Z_SL/SL/NAPR", NAPR),
        ("Z_SL/SL/NAPR/NAPR_DATE", "2025-01-09"),
        at="Z_SL/SL/NAPR/NAPR_DATE",
        kind="C",
    ),
    C("003F.00.1230", onco_zap, ("Z_SL/SL/CONS/DT_CONS", None), at="Z_SL/SL/CONS", kind="C"),
    C("003F.00.1240", onco_zap, ("Z_SL/SL/CONS/PR_CONS", "0"), at="Z_SL/SL/CONS/DT_CONS", kind="C"),
    C("006F.00.0600", onco_zap, ("Z_SL/SL/CONS/DT_CONS", "2025-01-21"), at="Z_SL/SL/CONS/DT_CONS", kind="C"),
    # ---- PERS rules that need the case (file_kind L)
    C("003F.00.1530", amb_zap, at="PERS:", pchanges=(("FAM", None),), also={"003F.00.1640"}),
    C("003F.00.1640", amb_zap, at="PERS:", pchanges=(("FAM", None),), also={"003F.00.1530"}),
    C("003F.00.1540", amb_zap, at="PERS:FAM", pchanges=(("+DOST", "2"),)),
    C("003F.00.1540", nb_amb, at="PERS:FAM", person=newborn_pers, pchanges=(("+FAM", "Петров"),)),
    C("003F.00.1550", nb_amb, at="PERS:", person=newborn_pers, pchanges=(("FAM_P", None),), also={"003F.00.1660"}),
    C("003F.00.1660", nb_amb, at="PERS:", person=newborn_pers, pchanges=(("FAM_P", None),), also={"003F.00.1550"}),
    C("003F.00.1560", amb_zap, at="PERS:FAM_P", pchanges=(("+FAM_P", "Иванова"),)),
    C("003F.00.1570", amb_zap, at="PERS:", pchanges=(("IM", None),), also={"003F.00.1630"}),
    C("003F.00.1630", amb_zap, at="PERS:", pchanges=(("IM", None),), also={"003F.00.1570"}),
    C("003F.00.1580", amb_zap, at="PERS:IM", pchanges=(("+DOST", "3"),)),
    C("003F.00.1590", nb_amb, at="PERS:", person=newborn_pers, pchanges=(("IM_P", None),), also={"003F.00.1650"}),
    C("003F.00.1650", nb_amb, at="PERS:", person=newborn_pers, pchanges=(("IM_P", None),), also={"003F.00.1590"}),
    C("003F.00.1600", amb_zap, at="PERS:IM_P", pchanges=(("+IM_P", "Мария"),)),
    C("003F.00.1610", amb_zap, at="PERS:OT", pchanges=(("+DOST", "1"),)),
    C("003F.00.1620", amb_zap, at="PERS:OT_P", pchanges=(("+OT_P", "Петровна"),)),
    C("003F.00.1670", nb_amb, at="PERS:", person=newborn_pers, pchanges=(("W_P", None),)),
    C("003F.00.1680", amb_zap, at="PERS:W_P", pchanges=(("+W_P", "2"),)),
    C("003F.00.1690", nb_amb, at="PERS:", person=newborn_pers, pchanges=(("DR_P", None),)),
    C("003F.00.1700", amb_zap, at="PERS:DR_P", pchanges=(("+DR_P", "1950-01-01"),)),
    C(
        "003F.00.1720",
        amb_zap,
        ("PACIENT/VPOLIS", "1"),
        ("+PACIENT/ST_OKATO", "98000"),
        at="PERS:",
        pchanges=(("DOCTYPE", None),),
    ),
    C(
        "003F.00.1730",
        amb_zap,
        ("PACIENT/VPOLIS", "1"),
        ("+PACIENT/ST_OKATO", "98000"),
        at="PERS:",
        pchanges=(("DOCSER", None),),
    ),
    C("003F.00.1740", amb_zap, ("PACIENT/VPOLIS", "2"), at="PERS:", pchanges=(("DOCNUM", None),)),
    C("003F.00.0330", amb_zap, ("PACIENT/VPOLIS", "2"), at="PERS:", pchanges=(("DOCDATE", None),)),
    C("003F.00.0340", amb_zap, ("PACIENT/VPOLIS", "2"), at="PERS:", pchanges=(("DOCORG", None),)),
    C("006F.00.0680", amb_zap, at="PERS:DR", pchanges=(("DR", "2025-01-11"),)),
]


def _case_id(c: Case) -> str:
    return f"{c.code}-{'+'.join(p for p, _ in c.changes + c.pchanges) or 'ctx'}"


BASES = [
    ("H", amb_zap, adult),
    ("H", hosp_zap, adult),
    ("H", day_zap, adult),
    ("H", smp_zap, adult),
    ("C", onco_zap, adult),
    ("H", nb_amb, newborn_pers),
    ("X", amb_zap, adult),
    ("T", amb_zap, adult),
]


@pytest.mark.parametrize("kind,base,person", BASES, ids=[f"{k}-{b.__name__}" for k, b, _ in BASES])
def test_valid_record_gives_no_findings(kind, base, person):
    assert check_record(base(), person(), ctx(kind)) == []


@pytest.mark.parametrize("c", CASES, ids=[_case_id(c) for c in CASES])
def test_rule_reports_its_code_at_the_place(c: Case):
    zap = mutate(c.base(), *c.changes)
    pers = mutate(c.person(), *c.pchanges) if c.person else None
    found = check_record(zap, pers, ctx(c.kind, **c.ctx))

    assert {f.code for f in found} == {c.code} | c.also, [(f.code, f.comment) for f in found]
    f = next(f for f in found if f.code == c.code)
    spec = get(c.code)
    assert (f.element, f.base_element) == (spec.element, spec.base_element)
    assert (f.n_zap, f.idcase, f.id_pac) == (at(zap, "N_ZAP").text, at(zap, "Z_SL/IDCASE").text, "P1")
    assert f.stage == "ФЛК" and not f.fatal
    if c.at.startswith("PERS:"):
        path = c.at[5:]
        nodes = chain(pers, path) if path else []
        assert f.file_kind == "L"
        assert f.line == (nodes[-1].line if nodes else pers.line)
    else:
        nodes = chain(zap, c.at)
        assert len(nodes) == len(c.at.split("/")), f"bad path in the case: {c.at}"
        assert f.file_kind == "H"
        assert f.line == nodes[-1].line
        sl = next((n for n in nodes if n.tag == "SL"), None)
        usl = next((n for n in nodes if n.tag == "USL" and n is not nodes[0]), None)
        assert f.sl_id == (sl.get("SL_ID") if sl else None)
        assert f.idserv == (usl.get("IDSERV") if usl else None)
        if nodes[-1].text is not None:
            assert f.value == nodes[-1].text or c.code in ("006F.00.0160", "006F.00.0180")


def test_rule_disabled_by_the_fund_is_not_run():
    zap = mutate(amb_zap(), ("Z_SL/SL/USL/TARIF", "1600.00"))
    cx = ctx()
    assert {f.code for f in check_record(zap, adult(), cx)} == {"006F.00.0570"}
    from app.controls.flk import catalogue

    cx_off = ctx(rules=RuleBook.only(s.code for s in catalogue() if s.code != "006F.00.0570"))
    assert check_record(zap, adult(), cx_off) == []


def test_rule_versions_follow_the_reporting_period():
    # 003F.00.0062 is valid from 01.01.2021: not applied to the period 12.2020
    zap = mutate(onco_zap(), ("Z_SL/SL/DS1", "I10"), ("Z_SL/SL/ONK_SL", None))
    assert "003F.00.0062" in {f.code for f in check_record(zap, adult(), ctx("C"))}
    old = ctx("C", year=2020, month=12)
    assert "003F.00.0062" not in {f.code for f in check_record(zap, adult(), old)}


def test_person_rules_skipped_without_person():
    zap = mutate(amb_zap(), ("PACIENT/VPOLIS", "2"))
    assert check_record(zap, None, ctx()) == []


def test_malformed_values_do_not_crash_and_do_not_fire():
    zap = mutate(
        amb_zap(),
        ("Z_SL/DATE_Z_1", "2025-13-45"),
        ("Z_SL/USL_OK", "три"),
        ("Z_SL/SUMV", "1,5e3"),
        ("Z_SL/SL/DATE_1", "10.01.2025"),
        ("Z_SL/SL/USL/TARIF", "NaN"),
        ("Z_SL/IDSP", ""),
        ("PACIENT/NOVOR", None),
    )
    found = check_record(zap, mutate(adult(), ("DR", "15/05/1980")), ctx())
    # only NSI look-ups of the garbage values may fire; no date/sum/presence rule applies
    assert {f.code for f in found} <= {"001F.00.0160"}


def test_missing_containers_do_not_crash():
    from app.formats.record import Node

    bare = Node("ZAP", children=[Node("N_ZAP", "1")])
    assert check_record(bare, None, ctx()) == []


def test_one_wrong_novor_is_one_error_not_a_cascade():
    """A NOVOR that is not a NOVOR is reported once (002F.00.0130); the rules whose condition asks
    whether the patient is a newborn do not fire on it (they did: 11 codes for one value)."""
    for value in ("3999999", "abc", "1010125"):
        found = check_record(mutate(amb_zap(), ("PACIENT/NOVOR", value)), adult(), ctx())
        assert [f.code for f in found] == ["002F.00.0130"], (value, [(f.code, f.comment) for f in found])
    # a valid newborn's NOVOR is read by those rules as before: the parent's name is required
    nb = newborn(amb_zap())
    found = {f.code for f in check_record(nb, mutate(newborn_pers(), ("FAM_P", None)), ctx())}
    assert "003F.00.1550" in found and "002F.00.0130" not in found


def test_conditional_rules_declare_the_elements_their_condition_reads():
    from app.controls.flk.registry import REGISTRY

    novor = "ZL_LIST/ZAP/PACIENT/NOVOR"
    readers = {s.code for s in REGISTRY.all() if novor in s.reads}
    assert {"003F.00.0460", "003F.00.1540", "003F.00.1550", "003F.00.1670", "003F.00.1690"} <= readers
    assert all(s.code[:4] in ("003F", "006F") for s in REGISTRY.all() if s.reads)
