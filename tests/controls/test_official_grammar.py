"""The condition language of the official Q015 table (``USL_TEST``): every construct parsed into the
right tree, compiled against hand-built records, and refused when it is outside the grammar."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Optional

import pytest

from app.controls.flk.context import parse_file_name
from app.controls.official.conditions import (
    And,
    Compare,
    FoundIn,
    Literal,
    Name,
    Or,
    Presence,
    SetOf,
    compile_condition,
    parse,
)
from app.controls.official.elements import NotCompiled
from app.formats.record import Node
from app.nsi.lookup import MemoryNsi

RECORD = ("ZL_LIST", "ZAP")
PERSON = ("PERS_LIST", "PERS")
HEADER = ("ZL_LIST",)

#: rule paths (real element paths of the formats), one per level of the record
ZAP_RULE = ("ZL_LIST", "ZAP", "PR_NOV")
PACIENT_RULE = ("ZL_LIST", "ZAP", "PACIENT", "NPOLIS")
Z_SL_RULE = ("ZL_LIST", "ZAP", "Z_SL", "SUMP")
SL_RULE = ("ZL_LIST", "ZAP", "Z_SL", "SL", "KD")
USL_RULE = ("ZL_LIST", "ZAP", "Z_SL", "SL", "USL", "VID_VME")
SCHET_RULE = ("ZL_LIST", "SCHET", "MONTH")
PERS_RULE = ("PERS_LIST", "PERS", "W")

FILE_MS = "HM140001S14001_2511011"  # Pi=M, Pp=S
FILE_MT = "HM140001T14_2511011"  # Pi=M, Pp=T


# -- building records --------------------------------------------------------------------------------


def leaf(tag: str, text: Optional[str]) -> Node:
    return Node(tag, text, 1, [])


def node(tag: str, *children: Node) -> Node:
    return Node(tag, None, 1, list(children))


def z_sl(*children: Node) -> tuple[Node, Node]:
    """A ZAP with one Z_SL of these children: ``(zap, z_sl)``."""
    zs = node("Z_SL", *children)
    return node("ZAP", leaf("N_ZAP", "1"), zs), zs


def one_sl(*sl_children: Node, z_sl_children: tuple = ()) -> tuple[Node, Node, Node]:
    """``(zap, z_sl, sl)`` of a record with one SL."""
    sl = node("SL", *sl_children)
    zap, zs = z_sl(*z_sl_children, sl)
    return zap, zs, sl


def view(
    *,
    file_name: Optional[str] = None,
    nsi=None,
    year: Optional[int] = None,
    dr: Optional[date] = None,
    date_z_1: Optional[date] = None,
    person: Optional[Node] = None,
):
    ctx = SimpleNamespace(parsed_name=parse_file_name(file_name) if file_name else None, nsi=nsi, year=year, month=None)
    return SimpleNamespace(ctx=ctx, dr=dr, date_z_1=date_z_1, person=person)


def holds(text: str, rule: tuple, chain: tuple, v=None, root: tuple = RECORD) -> bool:
    result = compile_condition(text, rule, root).test(chain, v if v is not None else view())
    assert isinstance(result, bool)
    return result


def usl_ok(value: Optional[str]) -> tuple:
    """The chain of a Z_SL rule for a record whose USL_OK is ``value`` (None: no USL_OK)."""
    children = (leaf("USL_OK", value),) if value is not None else ()
    return z_sl(*children, leaf("DATE_Z_1", "2025-01-10"))


def _cmp(name: str, op: str, lit: str) -> Compare:
    return Compare((op,), (Name(name), Literal(lit)))


# == parse(): the trees ===============================================================================


def test_parse_set():
    assert parse("SANK.S_TIP={1, 10,11,12}") == Compare(("=",), (Name("SANK.S_TIP"), SetOf(("1", "10", "11", "12"))))
    assert parse("USL_OK<>{1, 2}") == Compare(("<>",), (Name("USL_OK"), SetOf(("1", "2"))))


@pytest.mark.parametrize("op", ["=", "<>", "<", ">", "<=", ">="])
def test_parse_comparison_operators(op):
    assert parse(f"USL_OK{op}1") == _cmp("USL_OK", op, "1")
    assert parse(f"USL_OK {op} 1") == _cmp("USL_OK", op, "1")


def test_parse_chained_ranges():
    assert parse("19<SANK.S_TIP<30") == Compare(("<", "<"), (Literal("19"), Name("SANK.S_TIP"), Literal("30")))
    assert parse("C00.0<=DS1<D10") == Compare(("<=", "<"), (Literal("C00.0"), Name("DS1"), Literal("D10")))


def test_and_binds_tighter_than_or():
    a, b, c = _cmp("USL_OK", "=", "1"), _cmp("USL_OK", "=", "2"), _cmp("DS1", "=", "C34")
    assert parse("USL_OK=1 или USL_OK=2 и DS1=C34") == Or((a, And((b, c))))
    assert parse("USL_OK=1 и USL_OK=2 или DS1=C34") == Or((And((a, b)), c))
    assert parse("USL_OK=1 и USL_OK=2 и DS1=C34") == And((a, b, c))
    assert parse("USL_OK=1 ИЛИ USL_OK=2") == Or((a, b))


def test_parentheses_group():
    a, b, c = _cmp("USL_OK", "=", "1"), _cmp("USL_OK", "=", "2"), _cmp("DS1", "=", "C34")
    assert parse("(USL_OK=1 или USL_OK=2) и DS1=C34") == And((Or((a, b)), c))
    assert parse("USL_OK=1 или (USL_OK=2 и DS1=C34)") == Or((a, And((b, c))))
    assert parse("((USL_OK=1))") == a


def test_parse_pi_pp_with_set():
    assert parse("(Pi=M и Pp=S) или USL_OK<>{1, 2}") == Or(
        (And((_cmp("Pi", "=", "M"), _cmp("Pp", "=", "S"))), Compare(("<>",), (Name("USL_OK"), SetOf(("1", "2")))))
    )


def test_filename_note_is_dropped():
    assert parse("Pi=M и Pp=S; Pi и Pp определяются по полю FILENAME") == And(
        (_cmp("Pi", "=", "M"), _cmp("Pp", "=", "S"))
    )


@pytest.mark.parametrize(
    "text, tree",
    [
        ("Тег SL.USL присутствует", Presence(("SL.USL",), True)),
        ("присутствует IT_SL", Presence(("IT_SL",), True)),
        ("SMO отсутствует", Presence(("SMO",), False)),
        ("SMO и SMO_OGRN отсутствуют", Presence(("SMO", "SMO_OGRN"), False)),
        ("SMO, SMO_OGRN присутствуют", Presence(("SMO", "SMO_OGRN"), True)),
    ],
)
def test_parse_presence(text, tree):
    assert parse(text) == tree


def test_presence_inside_a_conjunction():
    assert parse("USL_OK=1 и SMO и SMO_OGRN отсутствуют") == And(
        (_cmp("USL_OK", "=", "1"), Presence(("SMO", "SMO_OGRN"), False))
    )
    assert parse("SMO отсутствует и USL_OK=1") == And((Presence(("SMO",), False), _cmp("USL_OK", "=", "1")))


def test_parse_full_path_name():
    assert parse("ZL_LIST/ZAP/Z_SL/P_OTK=0") == _cmp("ZL_LIST/ZAP/Z_SL/P_OTK", "=", "0")


def test_cyrillic_lookalike_literal_becomes_latin():
    tree = parse("Pi=Т")  # Cyrillic Т
    assert tree == _cmp("Pi", "=", "T")
    assert tree.operands[1].text.isascii()
    s = parse("Pp={Т, С}")  # Cyrillic Т, С
    assert s == Compare(("=",), (Name("Pp"), SetOf(("T", "C"))))
    assert all(x.isascii() for x in s.operands[1].items)


def test_cyrillic_code_that_is_not_a_lookalike_stays():
    assert parse("USL_OK=ДВ4") == _cmp("USL_OK", "=", "ДВ4")


@pytest.mark.parametrize(
    "text, op",
    [
        ("Возраст ЗЛ>=18 лет", ">="),
        ("Возраст меньше 18 лет на дату начала законченного случая (DATA_Z_1)", "<"),
        ("Возраст на дату начала законченного случая (DATE_Z_1) больше 17 лет", ">"),
        ("Возраст ЗЛ больше или равен 18 лет", ">="),
        ("Возраст меньше или равен 18 лет", "<="),
    ],
)
def test_age_phrases(text, op):
    tree = parse(text)
    assert isinstance(tree, Compare)
    assert tree.ops == (op,)
    assert tree.operands[0] == Name("AGE")
    assert tree.operands[1] in (Literal("18"), Literal("17"))


def test_age_phrase_in_a_conjunction():
    assert parse("Возраст ЗЛ>=18 лет и USL_OK=1") == And((_cmp("AGE", ">=", "18"), _cmp("USL_OK", "=", "1")))


def test_parse_found_in_book():
    assert parse("DS1 найден в N009") == FoundIn("DS1", "N009")
    assert parse("USL_OK=1 и DS1 найден в N009") == And((_cmp("USL_OK", "=", "1"), FoundIn("DS1", "N009")))


@pytest.mark.parametrize(
    "text",
    [
        'до отчетного периода "октябрь 2019" включительно',
        "SUMP=SUMV-SANK_IT",
        "NO_SUCH_EL=1",
        "ZL_LIST/ZAP/NO_SUCH_EL=1",
        "USL_OK=1 и",
        "USL_OK",
        "USL_OK=",
        "(USL_OK=1",
        "USL_OK=1)",
        "",
        "   ",
        "Возраст ЗЛ>=18 месяцев",
    ],
)
def test_parse_refuses(text):
    with pytest.raises(NotCompiled):
        parse(text)


# == compile_condition(): sets and comparisons ==========================================================


@pytest.mark.parametrize(
    "text, value, expected",
    [
        ("USL_OK={1, 2}", "2", True),
        ("USL_OK={1, 2}", "3", False),
        ("USL_OK={1, 2}", "1.00", True),
        ("{1, 2}=USL_OK", "1", True),
        ("{1, 2}=USL_OK", "4", False),
        ("USL_OK<>{1, 2}", "3", True),
        ("USL_OK<>{1, 2}", "1", False),
        ("USL_OK<>{1, 2}", None, False),  # absent: no comparison holds
        ("USL_OK={1, 2}", None, False),
    ],
)
def test_set_membership(text, value, expected):
    assert holds(text, Z_SL_RULE, usl_ok(value)) is expected


@pytest.mark.parametrize(
    "text, value, expected",
    [
        ("USL_OK<10", "9", True),  # as text "9" > "10"
        ("USL_OK>9", "10", True),
        ("USL_OK>=10", "9", False),
        ("USL_OK<=9", "10", False),
        ("USL_OK=1", "1.00", True),
        ("USL_OK=1.00", "1", True),
        ("USL_OK<>1", "1.00", False),
        ("USL_OK<>1", "2", True),
        ("USL_OK=1", "2", False),
        ("USL_OK<=1", "1.0", True),
        ("USL_OK>=1", "0.5", False),
        ("USL_OK>1", "1", False),
        ("USL_OK<1", "1", False),
        ("1<USL_OK", "2", True),
        ("3<USL_OK", "2", False),
        ("USL_OK=1", None, False),
        ("USL_OK<>1", None, False),
        ("USL_OK<10", None, False),
    ],
)
def test_comparison(text, value, expected):
    assert holds(text, Z_SL_RULE, usl_ok(value)) is expected


@pytest.mark.parametrize(
    "text, ds1, expected",
    [
        ("C00.0<=DS1<D10", "C34.1", True),
        ("C00.0<=DS1<D10", "C00.0", True),
        ("C00.0<=DS1<D10", "D09.9", True),
        ("C00.0<=DS1<D10", "D10", False),
        ("C00.0<=DS1<D10", "B99", False),
        ("D45<=DS1<D48", "D45", True),
        ("D45<=DS1<D48", "D47.9", True),
        ("D45<=DS1<D48", "D48", False),
        ("D45<=DS1<D48", "D44.9", False),
        ("C00.0<=DS1<D10 или D45<=DS1<D48", "D46.1", True),
        ("C00.0<=DS1<D10 или D45<=DS1<D48", "I10", False),
        ("DS1=C34", "C34", True),
        ("DS1=C34", "C34.1", False),
    ],
)
def test_diagnosis_ranges(text, ds1, expected):
    zap, zs, sl = one_sl(leaf("DS1", ds1))
    assert holds(text, SL_RULE, (zap, zs, sl)) is expected


def test_range_with_absent_diagnosis_does_not_hold():
    zap, zs, sl = one_sl(leaf("KD", "3"))
    assert holds("C00.0<=DS1<D10", SL_RULE, (zap, zs, sl)) is False


def test_numeric_chained_range():
    for tip, expected in (("20", True), ("19", False), ("30", False), ("29", True), ("5", False)):
        zap, zs = z_sl(node("SANK", leaf("S_TIP", tip)))
        assert holds("19<SANK.S_TIP<30", Z_SL_RULE, (zap, zs)) is expected, tip


# -- an element that occurs several times: one value is enough ---------------------------------------


def _two_sank(a: str, b: str) -> tuple:
    return z_sl(node("SANK", leaf("S_TIP", a), leaf("S_SUM", "0")), node("SANK", leaf("S_TIP", b), leaf("S_SUM", "5")))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("SANK.S_TIP=10", True),
        ("SANK.S_TIP=40", True),
        ("SANK.S_TIP=20", False),
        ("SANK.S_TIP={20, 30}", False),
        ("SANK.S_TIP={40, 41}", True),
        ("SANK.S_TIP<>10", True),  # the other one differs
        ("SANK.S_TIP<>{10, 40}", False),
        ("SANK.S_TIP>30", True),
        ("SANK.S_TIP<5", False),
        ("SANK.S_SUM<>0", True),
        ("SANK.S_TIP={10} и SANK.S_SUM<>0", True),
    ],
)
def test_repeated_element_any_of(text, expected):
    assert holds(text, Z_SL_RULE, _two_sank("10", "40")) is expected


def test_chained_range_on_repeated_element_needs_one_value_inside():
    # 10 and 40: neither lies in (19, 30) — one value must satisfy the whole comparison
    assert holds("19<SANK.S_TIP<30", Z_SL_RULE, _two_sank("10", "25")) is True
    assert holds("19<SANK.S_TIP<30", Z_SL_RULE, _two_sank("10", "40")) is False


def test_diagnosis_range_over_several_sl():
    # a Z_SL rule reads DS1 of every SL; A00 and E11 are both outside C00.0..D10
    zap, zs = z_sl(node("SL", leaf("DS1", "A00")), node("SL", leaf("DS1", "E11")))
    assert holds("DS1=E11", Z_SL_RULE, (zap, zs)) is True
    assert holds("DS1=C34", Z_SL_RULE, (zap, zs)) is False
    assert holds("C00.0<=DS1<D10", Z_SL_RULE, (zap, zs)) is False
    zap, zs = z_sl(node("SL", leaf("DS1", "A00")), node("SL", leaf("DS1", "C34.1")))
    assert holds("C00.0<=DS1<D10", Z_SL_RULE, (zap, zs)) is True


def test_element_compared_with_element():
    zap, zs, sl = one_sl(
        leaf("DATE_1", "2025-01-12"), leaf("DATE_2", "2025-01-15"), z_sl_children=(leaf("DATE_Z_1", "2025-01-10"),)
    )
    chain = (zap, zs, sl)
    assert holds("DATE_1>=DATE_Z_1", SL_RULE, chain) is True
    assert holds("DATE_2<DATE_1", SL_RULE, chain) is False
    assert holds("DATE_1<=DATE_2", SL_RULE, chain) is True


# -- presence -------------------------------------------------------------------------------------------


def _pacient(*children: Node) -> tuple:
    pac = node("PACIENT", leaf("VPOLIS", "3"), *children)
    return node("ZAP", leaf("N_ZAP", "1"), pac), pac


def test_both_absent():
    cond = "SMO и SMO_OGRN отсутствуют"
    assert holds(cond, PACIENT_RULE, _pacient()) is True
    assert holds(cond, PACIENT_RULE, _pacient(leaf("SMO", None), leaf("SMO_OGRN", None))) is True  # empty = absent
    assert holds(cond, PACIENT_RULE, _pacient(leaf("SMO_OGRN", "1027739008440"))) is False
    assert holds(cond, PACIENT_RULE, _pacient(leaf("SMO", "14001"))) is False


def test_absent_and_present():
    assert holds("SMO отсутствует", PACIENT_RULE, _pacient(leaf("SMO_OGRN", "1"))) is True
    assert holds("SMO отсутствует", PACIENT_RULE, _pacient(leaf("SMO", "14001"))) is False
    assert holds("SMO присутствует", PACIENT_RULE, _pacient(leaf("SMO", "14001"))) is True
    assert holds("SMO присутствует", PACIENT_RULE, _pacient()) is False
    assert holds("SMO, SMO_OGRN присутствуют", PACIENT_RULE, _pacient(leaf("SMO", "14001"))) is False
    assert holds("SMO, SMO_OGRN присутствуют", PACIENT_RULE, _pacient(leaf("SMO", "1"), leaf("SMO_OGRN", "2"))) is True


def test_tag_present_complex_element():
    with_usl = one_sl(leaf("DS1", "I10"), node("USL", leaf("IDSERV", "1")))
    without = one_sl(leaf("DS1", "I10"))
    assert holds("Тег SL.USL присутствует", SL_RULE, with_usl) is True
    assert holds("Тег SL.USL присутствует", SL_RULE, without) is False
    assert holds("SL.USL отсутствует", SL_RULE, without) is True
    assert holds("SL.USL отсутствует", SL_RULE, with_usl) is False


def test_present_word_first():
    with_it = one_sl(node("KSG_KPG", leaf("N_KSG", "st1"), leaf("IT_SL", "1.2")))
    without = one_sl(node("KSG_KPG", leaf("N_KSG", "st1")))
    assert holds("присутствует IT_SL", SL_RULE, with_it) is True
    assert holds("присутствует IT_SL", SL_RULE, without) is False
    assert holds("присутствует IT_SL", SL_RULE, one_sl(leaf("DS1", "I10"))) is False


def test_presence_reads_only_its_own_parent():
    sl_a = node("SL", leaf("DS1", "I10"), node("USL", leaf("IDSERV", "1")))
    sl_b = node("SL", leaf("DS1", "I11"))
    zap, zs = z_sl(sl_a, sl_b)
    assert holds("SL.USL присутствует", SL_RULE, (zap, zs, sl_a)) is True
    assert holds("SL.USL присутствует", SL_RULE, (zap, zs, sl_b)) is False


# -- where a name points -------------------------------------------------------------------------------


def _two_sl_with_usl():
    usl_a = node("USL", leaf("IDSERV", "1"), leaf("PRVS", "27"), leaf("P_OTK", "1"))
    usl_b = node("USL", leaf("IDSERV", "2"), leaf("PRVS", "28"), leaf("P_OTK", "0"))
    sl_a = node("SL", leaf("DS1", "C34.1"), leaf("PRVS", "76"), usl_a)
    sl_b = node("SL", leaf("DS1", "I10"), leaf("PRVS", "77"), usl_b)
    zap, zs = z_sl(leaf("P_OTK", "0"), sl_a, sl_b)
    return zap, zs, (sl_a, usl_a), (sl_b, usl_b)


def test_ds1_from_a_service_rule_is_the_sl_s_diagnosis():
    zap, zs, (sl_a, usl_a), (sl_b, usl_b) = _two_sl_with_usl()
    compiled = compile_condition("DS1=C34.1", USL_RULE, RECORD)
    assert compiled.reads == ("ZL_LIST/ZAP/Z_SL/SL/DS1",)
    assert compiled.test((zap, zs, sl_a, usl_a), view()) is True
    assert compiled.test((zap, zs, sl_b, usl_b), view()) is False


def test_nearest_prvs():
    zap, zs, (sl_a, usl_a), _ = _two_sl_with_usl()
    from_usl = compile_condition("PRVS=27", USL_RULE, RECORD)
    assert from_usl.reads == ("ZL_LIST/ZAP/Z_SL/SL/USL/PRVS",)
    assert from_usl.test((zap, zs, sl_a, usl_a), view()) is True
    from_sl = compile_condition("PRVS=27", SL_RULE, RECORD)
    assert from_sl.reads == ("ZL_LIST/ZAP/Z_SL/SL/PRVS",)
    assert from_sl.test((zap, zs, sl_a), view()) is False
    assert compile_condition("PRVS=76", SL_RULE, RECORD).test((zap, zs, sl_a), view()) is True


def test_dotted_name_from_a_z_sl_rule():
    compiled = compile_condition("SANK.S_TIP=40", Z_SL_RULE, RECORD)
    assert compiled.reads == ("ZL_LIST/ZAP/Z_SL/SANK/S_TIP",)
    assert compiled.test(_two_sank("10", "40"), view()) is True
    assert compiled.test(_two_sank("10", "41"), view()) is False


def test_full_path_beats_the_nearest():
    zap, zs, (sl_a, usl_a), (sl_b, usl_b) = _two_sl_with_usl()  # Z_SL/P_OTK=0; USL/P_OTK 1 and 0
    on_a, on_b = (zap, zs, sl_a, usl_a), (zap, zs, sl_b, usl_b)
    full = compile_condition("ZL_LIST/ZAP/Z_SL/P_OTK=1", USL_RULE, RECORD)
    assert full.reads == ("ZL_LIST/ZAP/Z_SL/P_OTK",)
    assert full.test(on_a, view()) is False  # Z_SL/P_OTK is 0, whatever the service says
    assert compile_condition("ZL_LIST/ZAP/Z_SL/P_OTK=0", USL_RULE, RECORD).test(on_a, view()) is True
    near = compile_condition("P_OTK=1", USL_RULE, RECORD)
    assert near.reads == ("ZL_LIST/ZAP/Z_SL/SL/USL/P_OTK",)
    assert near.test(on_a, view()) is True
    assert near.test(on_b, view()) is False


def test_zap_level_element_from_a_deep_rule():
    zap, zs, (sl_a, usl_a), _ = _two_sl_with_usl()
    compiled = compile_condition("N_ZAP=1", USL_RULE, RECORD)
    assert compiled.reads == ("ZL_LIST/ZAP/N_ZAP",)
    assert compiled.test((zap, zs, sl_a, usl_a), view()) is True
    assert compile_condition("N_ZAP=2", USL_RULE, RECORD).test((zap, zs, sl_a, usl_a), view()) is False


# -- the file name, age, the person, the header ---------------------------------------------------------


@pytest.mark.parametrize(
    "text, file_name, expected",
    [
        ("Pi=M и Pp=S", FILE_MS, True),
        ("Pi=M и Pp=S", FILE_MT, False),
        ("Pp=Т", FILE_MT, True),  # Cyrillic Т
        ("Pp=Т", FILE_MS, False),
        ("Pi=S", FILE_MS, False),
        ("Pp={T, F}", FILE_MT, True),
        ("Pp={T, F}", FILE_MS, False),
        ("Ni=140001", FILE_MS, True),
        ("Np=14001", FILE_MS, True),
        ("Np=14001", FILE_MT, False),
        ("Pi=M", None, False),  # no parsed file name
        ("Pi<>M", None, False),
    ],
)
def test_file_name_parts(text, file_name, expected):
    chain = usl_ok("1")
    assert holds(text, Z_SL_RULE, chain, view(file_name=file_name)) is expected


def test_file_name_or_set():
    cond = "(Pi=M и Pp=S) или USL_OK<>{1, 2}"
    assert holds(cond, Z_SL_RULE, usl_ok("1"), view(file_name=FILE_MS)) is True
    assert holds(cond, Z_SL_RULE, usl_ok("1"), view(file_name=FILE_MT)) is False
    assert holds(cond, Z_SL_RULE, usl_ok("3"), view(file_name=FILE_MT)) is True
    assert compile_condition(cond, Z_SL_RULE, RECORD).reads == ("ZL_LIST/ZAP/Z_SL/USL_OK",)


@pytest.mark.parametrize(
    "text, dr, expected",
    [
        ("Возраст ЗЛ>=18 лет", date(2000, 5, 1), True),
        ("Возраст ЗЛ>=18 лет", date(2007, 1, 10), True),  # the 18th birthday
        ("Возраст ЗЛ>=18 лет", date(2007, 1, 11), False),  # a day short
        ("Возраст меньше 18 лет на дату начала законченного случая (DATA_Z_1)", date(2007, 1, 11), True),
        ("Возраст меньше 18 лет на дату начала законченного случая (DATA_Z_1)", date(2000, 5, 1), False),
        ("Возраст ЗЛ>=18 лет", None, False),
        ("Возраст меньше 18 лет", None, False),
    ],
)
def test_age_on_date_z_1(text, dr, expected):
    v = view(dr=dr, date_z_1=date(2025, 1, 10))
    compiled = compile_condition(text, Z_SL_RULE, RECORD)
    assert compiled.reads == ()
    assert compiled.test(usl_ok("1"), v) is expected


def test_age_without_date_z_1_does_not_hold():
    v = view(dr=date(2000, 5, 1), date_z_1=None)
    assert holds("Возраст ЗЛ>=18 лет", Z_SL_RULE, usl_ok("1"), v) is False


def _person(*children: Node) -> Node:
    return node("PERS", leaf("ID_PAC", "1"), *children)


def test_person_element_read_from_view_person():
    zap, zs, sl = one_sl(leaf("DS1", "I10"), z_sl_children=(leaf("DATE_Z_1", "2025-01-10"),))
    chain = (zap, zs, sl)
    adult = _person(leaf("W", "2"), leaf("DR", "2000-05-01"))
    compiled = compile_condition("DR<DATE_Z_1", SL_RULE, RECORD)
    assert compiled.reads == ("PERS_LIST/PERS/DR", "ZL_LIST/ZAP/Z_SL/DATE_Z_1")
    assert compiled.test(chain, view(person=adult)) is True
    assert compiled.test(chain, view(person=_person(leaf("DR", "2025-02-01")))) is False
    assert compiled.test(chain, view(person=None)) is False
    assert holds("W=2", SL_RULE, chain, view(person=adult)) is True
    assert holds("W=1", SL_RULE, chain, view(person=adult)) is False
    assert holds("DR присутствует", SL_RULE, chain, view(person=adult)) is True
    assert holds("DR присутствует", SL_RULE, chain, view(person=_person(leaf("W", "1")))) is False
    assert holds("DR присутствует", SL_RULE, chain, view(person=None)) is False


def test_person_rule_reads_its_own_record():
    pers = _person(leaf("W", "1"), leaf("DR", "2000-05-01"))
    compiled = compile_condition("W=1", PERS_RULE, PERSON)
    assert compiled.reads == ("PERS_LIST/PERS/W",)
    assert compiled.test((pers,), view()) is True
    assert compile_condition("W=2", PERS_RULE, PERSON).test((pers,), view()) is False


def test_header_value_from_a_record_rule():
    compiled = compile_condition("YEAR>=2025", Z_SL_RULE, RECORD)
    assert compiled.reads == ("ZL_LIST/SCHET/YEAR",)
    assert compiled.test(usl_ok("1"), view(year=2025)) is True
    assert compiled.test(usl_ok("1"), view(year=2024)) is False
    assert compiled.test(usl_ok("1"), view(year=None)) is False


def test_header_rule_reads_its_sibling():
    schet = node("SCHET", leaf("CODE_MO", "140001"), leaf("YEAR", "2025"), leaf("MONTH", "11"))
    zl = node("ZL_LIST", node("ZGLV", leaf("VERSION", "5.0")), schet)
    compiled = compile_condition("YEAR=2025", SCHET_RULE, HEADER)
    assert compiled.reads == ("ZL_LIST/SCHET/YEAR",)
    assert compiled.test((zl, schet), view()) is True
    assert compile_condition("YEAR=2024", SCHET_RULE, HEADER).test((zl, schet), view()) is False


def test_found_in_book():
    nsi = MemoryNsi({"N009": [("C34.1", "Рак бронхов")]})
    cond = "DS1 найден в N009"
    assert holds(cond, SL_RULE, one_sl(leaf("DS1", "C34.1")), view(nsi=nsi)) is True
    assert holds(cond, SL_RULE, one_sl(leaf("DS1", "C35")), view(nsi=nsi)) is False
    assert holds(cond, SL_RULE, one_sl(leaf("KD", "1")), view(nsi=nsi)) is False
    assert holds(cond, SL_RULE, one_sl(leaf("DS1", "C34.1")), view(nsi=None)) is False
    assert compile_condition(cond, SL_RULE, RECORD).reads == ("ZL_LIST/ZAP/Z_SL/SL/DS1",)


# -- what a condition reads ---------------------------------------------------------------------------


def test_reads_lists_every_element_once_in_order():
    compiled = compile_condition(
        "(SANK.S_TIP={1, 2} или SANK.S_TIP=3) и C00.0<=DS1<D10 и Pi=M и Возраст ЗЛ>=18 лет и SMO отсутствует",
        USL_RULE,
        RECORD,
    )
    assert compiled.reads == (
        "ZL_LIST/ZAP/Z_SL/SANK/S_TIP",
        "ZL_LIST/ZAP/Z_SL/SL/DS1",
        "ZL_LIST/ZAP/PACIENT/SMO",
    )


def test_and_or_evaluate():
    zap, zs, sl = one_sl(leaf("DS1", "C34.1"), z_sl_children=(leaf("USL_OK", "3"),))
    chain = (zap, zs, sl)
    assert holds("USL_OK=3 и DS1=C34.1", SL_RULE, chain) is True
    assert holds("USL_OK=3 и DS1=C35", SL_RULE, chain) is False
    assert holds("USL_OK=1 или DS1=C34.1", SL_RULE, chain) is True
    assert holds("USL_OK=1 или DS1=C35", SL_RULE, chain) is False
    # и binds tighter: true or (false and false)
    assert holds("USL_OK=3 или USL_OK=1 и DS1=C35", SL_RULE, chain) is True
    assert holds("(USL_OK=3 или USL_OK=1) и DS1=C35", SL_RULE, chain) is False


# == refusals at compile time ========================================================================


@pytest.mark.parametrize(
    "text, rule, root, why",
    [
        ("NO_SUCH_EL=1", Z_SL_RULE, RECORD, "не элемент"),
        ("ZL_LIST/ZAP/NO_SUCH_EL=1", Z_SL_RULE, RECORD, "не элемент"),
        ("NO_SUCH_EL присутствует", Z_SL_RULE, RECORD, "нет элемента"),
        ("SL_ID=1", Z_SL_RULE, RECORD, "неоднозначно"),  # Z_SL/SANK/SL_ID or Z_SL/SL/SL_ID
        ("USL_OK=1", SCHET_RULE, HEADER, "во всех записях"),
        ("N_ZAP=1", SCHET_RULE, HEADER, "во всех записях"),
        ("SMO отсутствует", SCHET_RULE, HEADER, "во всех записях"),
        ("DS1=C34", PERS_RULE, PERSON, "вне проверяемой записи"),
        ("Возраст ЗЛ>=18 лет", PERS_RULE, PERSON, "возраст"),
        ("{1, 2}={1}", Z_SL_RULE, RECORD, "множество"),
        ("{1, 2}<USL_OK", Z_SL_RULE, RECORD, "множество"),
        ("1=1", Z_SL_RULE, RECORD, "постоянных"),
    ],
)
def test_compile_refuses(text, rule, root, why):
    with pytest.raises(NotCompiled, match=why):
        compile_condition(text, rule, root)


def test_set_on_the_right_only_with_equality():
    # «множество можно только сравнить на = или <>» — whichever side the set is on; compiled, USL_OK=5
    # would satisfy «USL_OK<{3}» (read as «not in {3}»)
    with pytest.raises(NotCompiled):
        compile_condition("USL_OK<{3}", Z_SL_RULE, RECORD)
