import pytest

from app.formats import codes
from app.formats.definitions import get_definition
from app.formats.record import Node
from app.formats.structure import StructureChecker, check_header, check_record

H31 = get_definition("H", "3.1")
H32 = get_definition("H", "3.2")


def only(findings):
    assert len(findings) == 1, findings
    return findings[0]


def sl(record):
    return record.find("Z_SL/SL")


def first_usl(record):
    return record.find("Z_SL/SL/USL")


def test_sample_records_are_valid(s):
    for kind in ("H", "C", "X"):
        for version in ("3.1", "3.2"):
            d = get_definition(kind, version)
            assert check_record(d, s.zap(7, version, kind)) == [], (kind, version)
    for version in ("3.1", "3.2"):
        assert check_record(get_definition("L", version), s.pers(3, version)) == []


# -- 901 ------------------------------------------------------------------------------------
def test_901_wrong_order_points_to_the_element(s):
    rec = s.zap(5)
    kids = sl(rec).children
    i, j = [c.tag for c in kids].index("DATE_1"), [c.tag for c in kids].index("DATE_2")
    kids[i], kids[j] = kids[j], kids[i]
    kids[j].line = 42
    f = only(check_record(H31, rec))
    assert (f.code, f.element, f.base_element) == ("901", "DATE_1", "SL")
    assert (f.n_zap, f.idcase, f.sl_id, f.idserv, f.id_pac) == (
        "5",
        "5",
        "00000000-0000-0000-0000-000000000005",
        None,
        "PAC-5",
    )
    assert f.line == 42
    assert f.comment == "Нарушен порядок элементов в SL: DATE_1 должен стоять перед DATE_2"
    assert f.file_kind == "H" and f.stage == "ФЛК" and not f.fatal


def test_901_repeated_element_split_by_another(s):
    rec = s.zap(1)
    kids = sl(rec).children
    at = [c.tag for c in kids].index("DS1")
    kids[at + 1 : at + 1] = [s.el("DS2", "A01"), s.el("DS3", "B01"), s.el("DS2", "A02")]
    f = only(check_record(H31, rec))
    assert (f.code, f.element, f.base_element) == ("901", "DS2", "SL")


# -- 902 ------------------------------------------------------------------------------------
def test_902_missing_required_element_in_usl(s):
    rec = s.zap(3)
    usl = rec.find_all("Z_SL/SL/USL")[1]
    usl.children = [c for c in usl.children if c.tag != "CODE_USL"]
    usl.line = 77
    f = only(check_record(H31, rec))
    assert (f.code, f.element, f.base_element) == ("902", "CODE_USL", "USL")
    assert (f.n_zap, f.idcase, f.idserv) == ("3", "3", "3-2")
    assert f.line == 77
    assert f.comment == "Отсутствует обязательный элемент CODE_USL в USL"


def test_902_missing_block_and_empty_required_value(s):
    rec = s.zap(1)
    rec.children = [c for c in rec.children if c.tag != "PACIENT"]
    f = only(check_record(H31, rec))
    assert (f.code, f.element, f.base_element, f.id_pac) == ("902", "PACIENT", "ZAP", None)

    rec = s.zap(1)
    sl(rec).find("DS1").text = None
    f = only(check_record(H31, rec))
    assert (f.code, f.element, f.base_element) == ("902", "DS1", "SL")
    assert f.comment.startswith("Не заполнено значение обязательного элемента DS1")


def test_npolis_required_in_31_optional_in_32(s):
    rec = s.zap(1, "3.1")
    rec.find("PACIENT").children = [c for c in rec.find("PACIENT").children if c.tag != "NPOLIS"]
    assert [(f.code, f.element) for f in check_record(H31, rec)] == [("902", "NPOLIS")]
    rec32 = s.zap(1, "3.2")
    rec32.find("PACIENT").children = [c for c in rec32.find("PACIENT").children if c.tag != "ENP"]
    assert check_record(H32, rec32) == []


# -- 903 ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path,value,fragment",
    [
        ("Z_SL/DATE_Z_1", "10.01.2024", "не является датой в формате ГГГГ-ММ-ДД"),
        ("Z_SL/DATE_Z_1", "2024-02-30", "не является датой"),
        ("Z_SL/IDCASE", "12a", "не является целым числом формата N(11)"),
        ("Z_SL/IDCASE", "123456789012", "N(11)"),
        ("Z_SL/IDCASE", "-1", "N(11)"),
        ("Z_SL/IDCASE", "١٢", "N(11)"),  # non-ASCII digits
        ("Z_SL/SUMV", "1000,00", "N(15,2) (разделитель — точка)"),
        ("Z_SL/SUMV", "10.001", "N(15,2)"),
        ("Z_SL/SUMV", "+10", "N(15,2)"),
        ("Z_SL/SUMV", ".", "N(15,2)"),
        ("Z_SL/SUMV", "12345678901234.5", "N(15,2)"),
        ("Z_SL/SL/NHISTORY", "Н" * 51, "(51 симв.) превышает допустимую 50"),
    ],
)
def test_903_type_format_length(s, path, value, fragment):
    rec = s.zap(2)
    node = rec.find(path)
    node.text = value
    node.line = 9
    f = only(check_record(H31, rec))
    assert f.code == "903"
    assert (f.element, f.base_element) == (path.split("/")[-1], path.split("/")[-2])
    assert f.value == value and f.line == 9
    assert fragment in f.comment


@pytest.mark.parametrize("value", ["1000", "1000.5", "0001000.50", "1000.500", "0", "1234567890123.5", "5.", ".5"])
def test_valid_decimals(s, value):
    rec = s.zap(1)
    rec.find("Z_SL/SUMV").text = value
    assert check_record(H31, rec) == []


def test_903_pattern_in_header(s):
    header = s.header_h("3.1", filename="HM750001S75001_24011")
    header.find("ZGLV/FILENAME").text = "HM750001-75001"
    f = only(check_header(H31, header))
    assert (f.code, f.element, f.base_element) == ("903", "FILENAME", "ZGLV")
    assert "не соответствует формату" in f.comment


def test_903_empty_optional_number_and_leaf_with_children(s):
    rec = s.zap(1)
    sl(rec).find("TARIF").text = None
    f = only(check_record(H31, rec))
    assert (f.code, f.element) == ("903", "TARIF")
    assert f.comment == "Пустое значение элемента TARIF: ожидается N(15,2)"

    rec = s.zap(1)
    sl(rec).find("DS1").children = [Node("X", "1")]
    f = only(check_record(H31, rec))
    assert (f.code, f.element) == ("903", "DS1")


def test_empty_optional_string_is_allowed(s):
    rec = s.zap(1)
    rec.find("PACIENT").children.insert(2, Node("SPOLIS", None))
    assert check_record(H31, rec) == []


# -- 904 ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path,value,allowed",
    [
        ("PR_NOV", "2", "0, 1"),
        ("Z_SL/SL/DET", "3", "0, 1"),
        ("Z_SL/SL/USL/DET", "9", "0, 1"),
    ],
)
def test_904_value_not_allowed(s, path, value, allowed):
    rec = s.zap(4)
    rec.find(path).text = value
    f = only(check_record(H31, rec))
    assert (f.code, f.element, f.value) == ("904", path.split("/")[-1], value)
    assert f.comment == (f"Значение «{value}» элемента {path.split('/')[-1]} не входит в допустимые: {allowed}")
    if "USL" in path:
        assert f.idserv == "4-1"


def test_904_numbers_compare_as_numbers(s):
    header = s.header_h()
    header.find("SCHET/MONTH").text = "01"
    assert check_header(H31, header) == []
    header.find("SCHET/MONTH").text = "13"
    f = only(check_header(H31, header))
    assert (f.code, f.element, f.base_element) == ("904", "MONTH", "SCHET")


def test_904_in_l_file_points_to_patient(s):
    d = get_definition("L", "3.2")
    p = s.pers(8, "3.2")
    p.find("W").text = "3"
    f = only(check_record(d, p))
    assert (f.code, f.element, f.base_element, f.id_pac, f.n_zap) == ("904", "W", "PERS", "PAC-8", None)
    assert f.file_kind == "L"


# -- 905 ------------------------------------------------------------------------------------
def test_905_unknown_element(s):
    rec = s.zap(6)
    first_usl(rec).children.append(Node("FOO", "1", 120))
    f = only(check_record(H31, rec))
    assert (f.code, f.element, f.base_element, f.idserv, f.line) == ("905", "FOO", "USL", "6-1", 120)
    assert f.comment == "Элемент FOO не предусмотрен форматом в USL"


def test_905_element_of_another_version(s):
    rec = s.zap(1, "3.2")  # MR_USL_N and ENP are 3.2 elements
    found = {(f.code, f.element) for f in check_record(H31, rec)}
    assert ("905", "ENP") in found and ("905", "MR_USL_N") in found
    assert ("902", "PRVS") in found and ("902", "CODE_MD") in found


def test_905_too_many_reported_once(s):
    rec = s.zap(1)
    z_sl = rec.find("Z_SL")
    at = [c.tag for c in z_sl.children].index("IDCASE")
    z_sl.children[at + 1 : at + 1] = [Node("IDCASE", "2", 50), Node("IDCASE", "3", 51)]
    f = only(check_record(H31, rec))
    assert (f.code, f.element, f.base_element, f.line) == ("905", "IDCASE", "Z_SL", 50)
    assert f.comment == "Элемент IDCASE в Z_SL встречается 3 раз(а), допускается не более 1"


def test_wrong_record_tag(s):
    f = only(check_record(H31, Node("PERS", None, 3, [])))
    assert (f.code, f.element, f.base_element) == ("905", "PERS", "ZL_LIST")


# -- header ---------------------------------------------------------------------------------
def test_header_checks(s):
    assert check_header(H31, s.header_h()) == []
    header = s.header_h()
    header.children.reverse()
    assert [(f.code, f.element) for f in check_header(H31, header)] == [("901", "ZGLV")]
    header = s.header_h()
    header.children = header.children[:1]
    assert [(f.code, f.element, f.base_element) for f in check_header(H31, header)] == [("902", "SCHET", "ZL_LIST")]
    x = get_definition("X", "3.1")
    assert check_header(x, s.header_h(disp="ДВ4")) == []
    assert [f.element for f in check_header(H31, s.header_h(disp="ДВ4"))] == ["DISP"]


def test_checker_wrapper_and_several_findings(s):
    checker = StructureChecker(H32)
    rec = s.zap(1, "3.2")
    rec.find("PR_NOV").text = "5"
    rec.find("Z_SL/SL/USL/MR_USL_N").children.pop(0)  # MR_N missing
    rec.find("Z_SL/SL").children.append(Node("BAD", "x"))
    found = [(f.code, f.element) for f in checker.record(rec)]
    assert found == [("904", "PR_NOV"), ("902", "MR_N"), ("905", "BAD")]
    assert checker.header(s.header_h("3.2")) == []


def test_value_in_finding_is_clipped(s):
    rec = s.zap(1)
    sl(rec).find("NHISTORY").text = "x" * 1000
    f = only(check_record(H31, rec))
    assert len(f.value) == 250 and f.value.endswith("…")
    assert codes.title(f.code) == "Неверный тип данных, формат или длина"
