"""МЭК rules on ISHOD/RSLT, bed-days of the case, units and services, PRVS against VIDPOM, the other
diagnoses (DS0, DS2, DS3, USL/DS, DS2_N/DS2), PROFIL and PRVS against the patient's age and sex, and
the newborn's weight: the valid demo case passes each rule, the case with the defect fails it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.controls.mek import MekCase, check_case
from app.controls.mek.registry import get
from app.demo.people import demo_person
from app.formats.record import Node
from app.nsi.lookup import MemoryNsi
from tests.mek.cases import DAY, case, ctx, zap

CHILD = 2  # demo person 2: a girl of four on DAY
BABY = next(i for i in range(29, 30_000, 29) if (DAY - demo_person(i).dr).days < 365)

# V021 (IDSPEC, SPECNAME) as published (42 is «Организация здравоохранения и общественное здоровье»,
# not a specialty of care: 003K.00.0490); the rules find the specialties by name
V021 = MemoryNsi(
    {
        "V021": [
            (code, name, dt.date(2020, 1, 1), None)
            for code, name in (
                ("2", "Акушерство и гинекология"),
                ("11", "Гериатрия"),
                ("18", "Детская кардиология"),
                ("25", "Кардиология"),
                ("35", "Неврология"),
                ("37", "Неонатология"),
                ("46", "Офтальмология"),
                ("49", "Педиатрия"),
                ("66", "Скорая медицинская помощь"),
                ("76", "Терапия"),
                ("79", "Травматология и ортопедия"),
            )
        ]
    }
)


def who(node: Node, w: int, dr: dt.date) -> MekCase:
    """The case of a patient of the given sex and birth date (found in the ЕРЗ, valid policy)."""
    return MekCase(
        node,
        case_id=1,
        sumv=Decimal(node.get("Z_SL/SUMV")),
        w=w,
        dr=dr,
        erz_found_by="enp",
        policy_check="valid",
        nonresident=False,
    )


def born(years: int, day: dt.date = DAY) -> dt.date:
    """The birth date of a patient who is exactly ``years`` old on ``day``."""
    return day.replace(year=day.year - years)


def with_ds2_n(code: str) -> Node:
    node = zap("amb")
    node.find("Z_SL/SL").children.append(Node("DS2_N", children=[Node("DS2", code), Node("DS2_PR", "0")]))
    return node


def usl_prvs(prvs: str, **changes) -> Node:
    return zap("amb", **{"Z_SL/SL/USL/MR_USL_N/PRVS": prvs}, **changes)


# code -> the defective case
CASES = {
    # ISHOD / RSLT
    "003K.00.0196": lambda: case(zap("amb", **{"Z_SL/ISHOD": "306", "Z_SL/RSLT": "302"})),
    "003K.00.0211": lambda: case(zap("hosp", **{"Z_SL/RSLT": "102", "Z_SL/ISHOD": "101"})),
    "003K.00.0220": lambda: case(zap("day", **{"Z_SL/RSLT": "202", "Z_SL/ISHOD": "201"})),
    "003K.00.0341": lambda: case(zap("day", **{"Z_SL/RSLT": "205", "Z_SL/ISHOD": "202"})),
    "003K.00.0351": lambda: case(zap("amb", **{"Z_SL/RSLT": "313", "Z_SL/ISHOD": "304"})),
    "003K.00.0361": lambda: case(zap("smp", **{"Z_SL/RSLT": "405", "Z_SL/ISHOD": "401"})),
    # bed-days, units, services, the newborn's weight
    "003K.00.0440": lambda: case(zap("hosp", **{"Z_SL/KD_Z": "30"})),
    "003K.00.0560": lambda: case(zap("amb", **{"Z_SL/IDSP": "28", "Z_SL/SL/ED_COL": "2.00"})),
    "003K.00.1000": lambda: case(zap("amb", **{"Z_SL/IDSP": "28", "Z_SL/SL/USL/KOL_USL": "0.00"})),
    "003K.00.1010": lambda: case(zap("hosp", BABY, **{"Z_SL/SL/KSG_KPG/N_KSG": "st17.002"}), BABY),
    # PRVS against VIDPOM
    "003K.00.0490": lambda: case(zap("amb", **{"Z_SL/SL/PRVS": "42"})),
    "003K.00.0501": lambda: case(zap("amb", **{"Z_SL/SL/PRVS": "100"})),
    "003K.00.0510": lambda: case(zap("smp", **{"Z_SL/VIDPOM": "21", "Z_SL/SL/PRVS": "76"})),
    # the other diagnoses
    "003K.00.0600": lambda: case(zap("amb", **{"Z_SL/SL/DS2": "P07.3"})),
    "003K.00.0610": lambda: case(zap("amb", **{"Z_SL/SL/DS3": "P07.3"})),
    "003K.00.0630": lambda: case(zap("amb", **{"Z_SL/SL/DS2": "O80.0"})),
    "003K.00.0640": lambda: case(zap("amb", **{"Z_SL/SL/DS3": "O80.0"})),
    "003K.00.0650": lambda: case(zap("amb", **{"Z_SL/SL/DS0": "I11"})),
    "003K.00.0670": lambda: case(zap("amb", **{"Z_SL/SL/DS2": "I11"})),
    "003K.00.0680": lambda: case(zap("amb", **{"Z_SL/SL/DS3": "I11"})),
    "003K.00.0690": lambda: case(zap("amb", **{"Z_SL/SL/USL/DS": "I11"})),
    "003K.00.0700": lambda: case(with_ds2_n("I11")),
    # PROFIL against age and sex: SL, USL
    "003K.00.0730": lambda: case(zap("amb", **{"Z_SL/SL/PROFIL": "68"})),
    "003K.00.0740": lambda: case(zap("amb", **{"Z_SL/SL/PROFIL": "3"})),
    "003K.00.0750": lambda: case(zap("amb", **{"Z_SL/SL/PROFIL": "55"})),
    "003K.00.0760": lambda: case(zap("amb", CHILD, **{"Z_SL/SL/PROFIL": "14"}), CHILD),
    "003K.00.0770": lambda: case(zap("amb", CHILD, **{"Z_SL/SL/PROFIL": "29"}), CHILD),
    "003K.00.0780": lambda: case(zap("amb", **{"Z_SL/SL/USL/PROFIL": "68"})),
    "003K.00.0790": lambda: case(zap("amb", **{"Z_SL/SL/USL/PROFIL": "3"})),
    "003K.00.0800": lambda: case(zap("amb", **{"Z_SL/SL/USL/PROFIL": "55"})),
    "003K.00.0810": lambda: case(zap("amb", CHILD, **{"Z_SL/SL/USL/PROFIL": "14"}), CHILD),
    "003K.00.0820": lambda: case(zap("amb", CHILD, **{"Z_SL/SL/USL/PROFIL": "29"}), CHILD),
    # PRVS (by the V021 name) against age and sex: SL, USL (MR_USL_N)
    "003K.00.0830": lambda: case(zap("amb", **{"Z_SL/SL/PRVS": "49"})),
    "003K.00.0840": lambda: case(zap("amb", **{"Z_SL/SL/PRVS": "2"})),
    "003K.00.0850": lambda: case(zap("amb", **{"Z_SL/SL/PRVS": "37"})),
    "003K.00.0860": lambda: case(zap("amb", CHILD, **{"Z_SL/SL/PRVS": "25"}), CHILD),
    "003K.00.0870": lambda: case(zap("amb", CHILD), CHILD),  # the demo's PRVS 76 «Терапия»
    "003K.00.0880": lambda: case(zap("amb", CHILD, **{"Z_SL/SL/PRVS": "11"}), CHILD),
    "003K.00.0890": lambda: case(usl_prvs("49")),
    "003K.00.0900": lambda: case(usl_prvs("2")),
    "003K.00.0910": lambda: case(usl_prvs("37")),
    "003K.00.0920": lambda: case(zap("amb", CHILD, **{"Z_SL/SL/USL/MR_USL_N/PRVS": "25"}), CHILD),
    "003K.00.0930": lambda: case(zap("amb", CHILD), CHILD),
    "003K.00.0940": lambda: case(zap("amb", CHILD, **{"Z_SL/SL/USL/MR_USL_N/PRVS": "11"}), CHILD),
}

KIND = {  # the demo case of the same kind as the defective one
    "003K.00.0211": "hosp",
    "003K.00.0440": "hosp",
    "003K.00.1010": "hosp",
    "003K.00.0220": "day",
    "003K.00.0341": "day",
    "003K.00.0361": "smp",
    "003K.00.0510": "smp",
}
FILE_KIND = {"003K.00.0700": "X"}


def mek(c: MekCase, code: str = "", **kw) -> list:
    kw.setdefault("nsi", V021)
    kw.setdefault("file_kind", FILE_KIND.get(code, "H"))
    return check_case(c, ctx(**kw))


def codes(c: MekCase, **kw) -> list[str]:
    return [s.code for s in mek(c, **kw)]


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fires_on_its_defect_only(code):
    kind = KIND.get(code, "amb")
    assert code not in [s.code for s in mek(case(zap(kind)), code)], "the valid demo case must pass"
    defective = CASES[code]()
    found = mek(defective, code)
    assert code in [s.code for s in found]
    s = next(s for s in found if s.code == code)
    spec = get(code)
    assert s.finding.stage == "МЭК" and s.finding.comment and s.refusal == spec.refusal
    assert s.finding.element == spec.element and s.finding.n_zap == "1"
    assert s.full and s.amount == defective.sumv > 0  # the whole case is refused


def test_the_rules_are_registered_with_their_data():
    for code in CASES:
        spec = get(code)
        assert spec.scope == "case" and spec.share == 1
        assert spec.refusal == ("1.1.3" if code in {"003K.00.1000", "003K.00.1010"} else "1.1.4"), code
    assert get("003K.00.0341").valid_from == dt.date(2020, 4, 1)
    assert get("003K.00.0220").valid_from == dt.date(2019, 11, 1)
    assert get("003K.00.0341").twin == "006F.00.1250"


# -- ISHOD / RSLT ---------------------------------------------------------------------------------------
def test_ishod_rslt_pairs_condition_false_side():
    assert "003K.00.0196" not in codes(case(zap("amb", **{"Z_SL/ISHOD": "306", "Z_SL/RSLT": "305"})))
    assert "003K.00.0211" not in codes(case(zap("hosp", **{"Z_SL/RSLT": "101", "Z_SL/ISHOD": "101"})))
    assert "003K.00.0211" not in codes(case(zap("hosp", **{"Z_SL/RSLT": "110", "Z_SL/ISHOD": "102"})))
    assert "003K.00.0211" in codes(case(zap("hosp", **{"Z_SL/RSLT": "110", "Z_SL/ISHOD": "101"})))
    assert "003K.00.0220" not in codes(case(zap("day", **{"Z_SL/RSLT": "201", "Z_SL/ISHOD": "201"})))
    assert "003K.00.0341" not in codes(case(zap("day", **{"Z_SL/RSLT": "206", "Z_SL/ISHOD": "204"})))
    assert "003K.00.0351" not in codes(case(zap("amb", **{"Z_SL/RSLT": "313", "Z_SL/ISHOD": "305"})))
    assert "003K.00.0361" not in codes(case(zap("smp", **{"Z_SL/RSLT": "406", "Z_SL/ISHOD": "403"})))
    # before 01.04.2020 the re-numbered rule is not in force, 0220 (of 01.11.2019) is
    old = dt.date(2020, 2, 10)
    death = case(zap("day", day=old, **{"Z_SL/RSLT": "205", "Z_SL/ISHOD": "202"}))
    recovered = case(zap("day", day=old, **{"Z_SL/RSLT": "202", "Z_SL/ISHOD": "201"}))
    assert "003K.00.0341" not in codes(death, year=2020, month=2)
    assert "003K.00.0220" in codes(recovered, year=2020, month=2)


# -- bed-days of the case, units, services ---------------------------------------------------------------
def test_bed_days_of_the_case():
    day = zap("day")
    stay = (dt.date.fromisoformat(day.get("Z_SL/DATE_Z_2")) - dt.date.fromisoformat(day.get("Z_SL/DATE_Z_1"))).days
    assert "003K.00.0440" not in codes(case(zap("day", **{"Z_SL/KD_Z": str(stay + 1)})))
    assert "003K.00.0440" in codes(case(zap("day", **{"Z_SL/KD_Z": str(stay + 2)})))
    assert "003K.00.0440" in codes(case(zap("hosp", **{"Z_SL/KD_Z": "0"})))
    hosp = zap("hosp")
    stay = (dt.date.fromisoformat(hosp.get("Z_SL/DATE_Z_2")) - dt.date.fromisoformat(hosp.get("Z_SL/DATE_Z_1"))).days
    assert "003K.00.0440" not in codes(case(zap("hosp", **{"Z_SL/KD_Z": str(stay)})))
    assert "003K.00.0440" in codes(case(zap("hosp", **{"Z_SL/KD_Z": str(stay + 1)})))
    # a one-day stay in a hospital counts one bed-day
    one = zap("hosp", **{"Z_SL/DATE_Z_1": DAY.isoformat(), "Z_SL/KD_Z": "1"})
    assert "003K.00.0440" not in codes(case(one))


def test_units_equal_services_except_stomatology_and_other_payment():
    idsp28 = {"Z_SL/IDSP": "28"}
    assert "003K.00.0560" not in codes(case(zap("amb", **idsp28)))  # ED_COL 1, one USL
    assert "003K.00.0560" not in codes(case(zap("amb", **{"Z_SL/SL/ED_COL": "2.00"})))  # IDSP 29
    stomatology = {**idsp28, "Z_SL/SL/ED_COL": "2.00", "Z_SL/SL/PROFIL": "86"}
    assert "003K.00.0560" not in codes(case(zap("amb", CHILD, **stomatology), CHILD))
    assert "003K.00.0560" in codes(case(zap("amb", **{**idsp28, "Z_SL/SL/ED_COL": None})))


def test_services_count():
    assert "003K.00.1000" not in codes(case(zap("amb", **{"Z_SL/SL/USL/KOL_USL": "0.00"})))  # IDSP 29
    assert "003K.00.1000" in codes(case(zap("amb", **{"Z_SL/IDSP": "25", "Z_SL/SL/USL/KOL_USL": None})))
    assert "003K.00.1000" not in codes(case(zap("amb", **{"Z_SL/IDSP": "25"})))


def test_newborn_weight_only_for_extremely_low_weight_ksg():
    elbw = {"Z_SL/SL/KSG_KPG/N_KSG": "st17.002"}
    assert "003K.00.1010" not in codes(case(zap("hosp", BABY, **elbw, **{"PACIENT/VNOV_D": "850"}), BABY))
    assert "003K.00.1010" not in codes(case(zap("hosp", BABY, **{"Z_SL/SL/KSG_KPG/N_KSG": "st17.001"}), BABY))
    assert "003K.00.1010" in codes(case(zap("hosp", BABY, **{"Z_SL/SL/KSG_KPG/N_KSG": " ST17.002 "}), BABY))


# -- PRVS against VIDPOM ---------------------------------------------------------------------------------
def test_prvs_against_vidpom_condition_false_side():
    assert "003K.00.0490" not in codes(case(zap("smp", **{"Z_SL/SL/PRVS": "42"})))  # VIDPOM 2
    assert "003K.00.0490" in codes(case(zap("hosp", **{"Z_SL/SL/PRVS": "42"})))  # VIDPOM 31
    assert "003K.00.0501" not in codes(case(zap("amb", **{"Z_SL/VIDPOM": "11", "Z_SL/SL/PRVS": "100"})))
    assert "003K.00.0510" not in codes(case(zap("smp", **{"Z_SL/VIDPOM": "21", "Z_SL/SL/PRVS": "66"})))
    assert "003K.00.0510" in codes(case(zap("smp", **{"Z_SL/VIDPOM": "23", "Z_SL/SL/PRVS": "76"})))


# -- diagnoses -------------------------------------------------------------------------------------------
def test_other_diagnoses_by_age_and_sex():
    assert "003K.00.0600" not in codes(case(zap("amb", BABY, **{"Z_SL/SL/DS2": "P07.3"}), BABY))
    assert "003K.00.0610" not in codes(case(zap("amb", BABY, **{"Z_SL/SL/DS3": "P07.3"}), BABY))
    # one year on DATE_Z_1 exactly is one year or more
    assert "003K.00.0600" in codes(who(zap("amb", **{"Z_SL/SL/DS2": "P07.3"}), 1, born(1)))
    woman = who(zap("amb", **{"Z_SL/SL/DS2": "O80.0", "Z_SL/SL/DS3": "O99.0"}), 2, born(30))
    assert not {"003K.00.0630", "003K.00.0640"} & set(codes(woman))
    # DS2 of the D-series files (DS2_N/DS2) counts for the age too
    assert "003K.00.0600" in codes(case(with_ds2_n("P07.3")), file_kind="X")


def test_repeated_ds2_are_checked_each():
    node = zap("amb", **{"Z_SL/SL/DS2": "I10"})
    node.find("Z_SL/SL").children.append(Node("DS2", "P07.3"))
    node.find("Z_SL/SL").children.append(Node("DS2", "I20"))
    found = mek(case(node))
    assert [s.finding.value for s in found if s.code == "003K.00.0600"] == ["P07.3"]
    assert [s.finding.value for s in found if s.code == "003K.00.0670"] == ["I20"]


def test_diagnoses_to_the_subrubric_exempt_and_without_m001():
    smp = {"Z_SL/SL/DS0": "I11", "Z_SL/SL/DS2": "I11", "Z_SL/SL/DS3": "I11", "Z_SL/SL/USL/DS": "I11"}
    subrubric = {"003K.00.0650", "003K.00.0670", "003K.00.0680", "003K.00.0690"}
    assert not subrubric & set(codes(case(zap("smp", **smp))))  # USL_OK = 4
    assert subrubric <= set(codes(case(zap("amb", **smp))))
    assert not subrubric & set(codes(case(zap("amb", **smp)), rubrics_with_subrubrics=None))
    fine = {k: "I11.9" for k in smp}
    assert not subrubric & set(codes(case(zap("amb", **fine))))
    assert "003K.00.0700" not in codes(case(with_ds2_n("I11.9")), file_kind="X")
    assert "003K.00.0700" not in codes(case(with_ds2_n("I11")), file_kind="H")  # an X-file rule


# -- PROFIL against age and sex --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "profil, years, fires",
    [
        ("68", 17, False),  # children's profiles: under 18
        ("68", 18, True),
        ("55", 0, False),  # neonatology: under 1
        ("55", 1, True),
        ("14", 60, False),  # geriatrics: 60 or more
        ("14", 59, True),
        ("29", 18, False),  # cardiology …: 18 or more
        ("29", 17, True),
    ],
)
def test_profil_age_boundaries(profil, years, fires):
    sl_code = {"68": "003K.00.0730", "55": "003K.00.0750", "14": "003K.00.0760", "29": "003K.00.0770"}[profil]
    usl_code = f"003K.00.0{int(sl_code[-3:]) + 50}"
    sl = who(zap("amb", **{"Z_SL/SL/PROFIL": profil}), 1, born(years))
    usl = who(zap("amb", **{"Z_SL/SL/USL/PROFIL": profil}), 1, born(years))
    assert (sl_code in codes(sl)) is fires
    assert (usl_code in codes(usl)) is fires


def test_profil_sex_and_the_age_on_the_start_of_the_sl():
    assert "003K.00.0740" not in codes(who(zap("amb", **{"Z_SL/SL/PROFIL": "136"}), 2, born(30)))
    assert "003K.00.0790" not in codes(who(zap("amb", **{"Z_SL/SL/USL/PROFIL": "184"}), 2, born(30)))
    assert "003K.00.0740" not in codes(who(zap("amb", **{"Z_SL/SL/PROFIL": "136"}), None, born(30)))
    # 18 on the day of care (DATE_1), 17 the day before: the SL's start counts; without DATE_1, DATE_Z_1
    node = zap("amb", **{"Z_SL/SL/PROFIL": "68"})
    assert "003K.00.0730" in codes(who(node, 1, born(18)))
    node = zap("amb", **{"Z_SL/SL/PROFIL": "68", "Z_SL/SL/DATE_1": None})
    node.find("Z_SL/DATE_Z_1").text = (DAY - dt.timedelta(days=1)).isoformat()
    assert "003K.00.0730" not in codes(who(node, 1, born(18)))


# -- PRVS (by the V021 name) against age and sex ---------------------------------------------------------
@pytest.mark.parametrize(
    "prvs, years, fires",
    [
        ("49", 17, False),  # Педиатрия: under 18
        ("49", 18, True),
        ("37", 0, False),  # Неонатология: under 1
        ("37", 1, True),
        ("25", 18, False),  # Кардиология: 18 or more
        ("25", 17, True),
        ("76", 15, False),  # Терапия: 15 or more
        ("76", 14, True),
        ("11", 60, False),  # Гериатрия: 60 or more
        ("11", 59, True),
    ],
)
def test_prvs_age_boundaries(prvs, years, fires):
    sl_code = {"49": "0830", "37": "0850", "25": "0860", "76": "0870", "11": "0880"}[prvs]
    usl_code = f"{int(sl_code) + 60:04d}"
    sl = who(zap("amb", **{"Z_SL/SL/PRVS": prvs, "Z_SL/SL/USL/MR_USL_N/PRVS": "66"}), 1, born(years))
    usl = who(zap("amb", **{"Z_SL/SL/PRVS": "66", "Z_SL/SL/USL/MR_USL_N/PRVS": prvs}), 1, born(years))
    assert (f"003K.00.{sl_code}" in codes(sl)) is fires
    assert (f"003K.00.{usl_code}" in codes(usl)) is fires
    assert f"003K.00.{usl_code}" not in codes(sl) and f"003K.00.{sl_code}" not in codes(usl)


def test_prvs_sex_and_the_usl_prvs_of_the_older_formats():
    assert not {"003K.00.0840", "003K.00.0900"} & set(
        codes(who(zap("amb", **{"Z_SL/SL/PRVS": "2", "Z_SL/SL/USL/MR_USL_N/PRVS": "2"}), 2, born(30)))
    )
    # USL/PRVS directly in the USL (no MR_USL_N)
    node = zap("amb", **{"Z_SL/SL/USL/MR_USL_N": None})
    node.find("Z_SL/SL/USL").children.append(Node("PRVS", "2"))
    found = [s for s in mek(case(node)) if s.code == "003K.00.0900"]
    assert len(found) == 1 and found[0].finding.value == "2" and found[0].finding.idserv == "1"
    # two medical workers in the service: each is checked
    node = usl_prvs("76")
    node.find("Z_SL/SL/USL").children.append(Node("MR_USL_N", children=[Node("MR_N", "2"), Node("PRVS", "2")]))
    assert [s.finding.value for s in mek(case(node)) if s.code == "003K.00.0900"] == ["2"]


def test_prvs_names_from_v021_case_insensitive_and_skipped_without_v021():
    odd = MemoryNsi({"V021": [("49", "  ПЕДИАТРИЯ ", None, None), ("76", "Терапия", None, None)]})
    assert "003K.00.0830" in codes(CASES["003K.00.0830"](), nsi=odd)
    assert "003K.00.0830" not in codes(CASES["003K.00.0830"](), nsi=None)
    assert "003K.00.0830" not in codes(CASES["003K.00.0830"](), nsi=MemoryNsi({"M001": []}))
    # a code whose V021 version ended before the care is still named by its last version
    ended = MemoryNsi({"V021": [("49", "Педиатрия", dt.date(2015, 1, 1), dt.date(2019, 12, 31))]})
    assert "003K.00.0830" in codes(CASES["003K.00.0830"](), nsi=ended)
