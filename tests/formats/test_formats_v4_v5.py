"""Format versions 4.0, 5.0, 5.1 and the switched-off 6.0; the ``also_after`` DSL feature."""

import pytest
from flask import Flask

from app.formats import codes
from app.formats.definitions import all_definitions, get_definition, supported_versions
from app.formats.definitions.dsl import D, E, N, T, also_after, remove
from app.formats.reader import read_file
from app.formats.structure import check_header, check_record
from app.formats.writer import write_file

NAMES = {"H": "HM", "C": "CM", "T": "TM", "X": "DPM"}
NEW = [
    ("H", "4.0"),
    ("C", "4.0"),
    ("H", "5.0"),
    ("C", "5.0"),
    ("T", "5.0"),
    ("X", "5.0"),
    ("H", "5.1"),
    ("C", "5.1"),
    ("T", "5.1"),
    ("X", "5.1"),
]


def name_of(kind):
    return f"{NAMES[kind]}750001S75001_24011"


def child(node, tag):
    return next(c for c in node.children if c.tag == tag)


def record(s, n, version, kind):
    """A minimal valid record of ``kind`` in ``version`` (T: the C sample plus the ВМП fields)."""
    if kind != "T":
        return s.zap(n, version, kind)
    rec = s.zap(n, version, "C")
    sl = child(child(rec, "Z_SL"), "SL")
    sl.children = [c for c in sl.children if c.tag != "P_CEL"]
    sl.children += [
        s.el("VID_HMP", "09.00.34.001"),
        s.el("METOD_HMP", "123"),
        s.el("TAL_D", "2024-01-05"),
        s.el("TAL_NUM", "75.0000.00001.001"),
        s.el("TAL_P", "2024-01-10"),
    ]
    return rec


def codes_of(findings):
    return [(f.code, f.element) for f in findings]


def write(tmp_path, s, kind, version, records, header_version=None):
    d = get_definition(kind, version)
    name = name_of(kind)
    header = s.header_h(header_version or version, name, len(records), disp="ДВ4" if kind == "X" else None)
    path = tmp_path / f"{name}.xml"
    write_file(path, d, header, iter(records))
    return path


def read_checked(path):
    """(reader findings, structural findings of header and records, records)."""
    with read_file(path) as f:
        records = list(f.records)
        structural = check_header(f.definition, f.header) if f.definition else []
        for r in records:
            structural += check_record(f.definition, r)
        return f.findings, structural, records, f


# -- registry ------------------------------------------------------------------------------
def test_versions_registered():
    for kind, version in NEW:
        d = get_definition(kind, version)
        assert (d.kind, d.version) == (kind, version)
    assert get_definition("T", "4.0") is None and get_definition("X", "4.0") is None
    assert supported_versions("L") == ["3.1", "3.2"]  # no new L
    assert get_definition("L", "5.1") is None


def test_what_40_adds_to_32():
    h32, h40 = get_definition("H", "3.2").record, get_definition("H", "4.0").record
    p = h40.at("PACIENT").names()
    assert p[p.index("VNOV_D") + 1 : p.index("VNOV_D") + 5] == ("SOC", "NEXT_D", "MO_PR", "VZ")
    assert h40.at("PACIENT/SOC").occurs == "1" and h40.at("PACIENT/SOC").type.describe() == "T(3)"
    z = h40.at("Z_SL").names()
    assert z[z.index("NPR_DATE") + 1] == "NPR_NUM"
    sl = h40.at("Z_SL/SL").names()
    assert sl[sl.index("PROFIL") + 1] == "PROFIL_M"
    assert h40.at("Z_SL/SL/PROFIL_M").also_after == ("C_ZAB",)
    u = h40.at("Z_SL/SL/USL").names()
    assert u[u.index("PROFIL") + 1] == "PROFIL_M"
    k = h40.at("Z_SL/SL/KSG_KPG").names()
    assert k[k.index("KOEF_U") + 1] == "K_ZP" and k[-2:] == ("PR_PR", "KOEF_PR")
    assert h40.at("Z_SL/SL/KSG_KPG/K_ZP").type.describe() == "N(8,5)"
    c40 = get_definition("C", "4.0").record
    assert c40.at("Z_SL/SL/PROFIL_M").also_after == ("DS_ONK",)
    assert c40.at("Z_SL/SL/NAPR").names()[:2] == ("NAPR_DATE", "NAPR_NUM")
    lek = c40.at("Z_SL/SL/ONK_SL/ONK_USL/LEK_PR")
    assert lek.names() == ("REGNUM", "REGNUM_DOP", "CODE_SH", "DATE_INJ")
    assert lek.child("DATE_INJ").occurs == "1..n"  # INJ only from 5.0
    # everything else stays 3.2
    assert h40.at("Z_SL/SANK") is h32.at("Z_SL/SANK")
    assert "SMO_OGRN" not in p and "ENP" in p


def test_what_50_and_51_add():
    c50 = get_definition("C", "5.0").record
    lek = c50.at("Z_SL/SL/ONK_SL/ONK_USL/LEK_PR")
    assert lek.names() == ("REGNUM", "REGNUM_DOP", "CODE_SH", "DATE_INJ", "INJ")
    assert lek.child("DATE_INJ").occurs == "0..n" and lek.child("INJ").occurs == "0..n"
    assert lek.child("INJ").names() == ("DATE_INJ", "KV_INJ", "KIZ_INJ", "S_INJ", "SV_INJ", "SIZ_INJ", "RED_INJ")
    t50 = get_definition("T", "5.0").record
    assert "INJ" in t50.at("Z_SL/SL/ONK_SL/ONK_USL/LEK_PR").names()
    assert t50.at("PACIENT/SOC") is not None and "KSG_KPG" not in t50.at("Z_SL/SL").names()
    x50 = get_definition("X", "5.0").record
    px = x50.at("PACIENT").names()
    assert px[px.index("NOVOR") + 1 :] == ("SOC", "NEXT_D", "MO_PR", "VZ")
    assert x50.at("Z_SL/SL/NAZ").names()[6:9] == ("NAPR_DATE", "NAPR_NUM", "NAPR_MO")
    # 5.1 = 5.0 with another VERSION
    for kind in ("H", "C", "T", "X"):
        assert get_definition(kind, "5.1").root == get_definition(kind, "5.0").root


# -- minimal valid files, written by the writer and read back -----------------------------------
@pytest.mark.parametrize("kind,version", NEW)
def test_minimal_file_round_trip(tmp_path, s, kind, version):
    records = [record(s, i, version, kind) for i in (1, 2)]
    path = write(tmp_path, s, kind, version, records)
    findings, structural, got, f = read_checked(path)
    assert findings == [] and structural == []
    assert (f.kind, f.version) == (kind, version)
    assert [child(r, "PACIENT").get("SOC") for r in got] == ["000", "000"]
    if kind != "T":  # the T sample is built in another order than the definition's
        assert [s.shape(r) for r in got] == [s.shape(r) for r in records]


def test_new_elements_written_and_read(tmp_path, s):
    el = s.el
    rec = s.zap(1, "5.1", "C")
    pac = child(rec, "PACIENT")
    pac.children += [el("NEXT_D", "11"), el("MO_PR", "750001"), el("VZ", "1")]
    z_sl = child(rec, "Z_SL")
    z_sl.children += [el("NPR_MO", "750002"), el("NPR_DATE", "2024-01-05"), el("NPR_NUM", "Н-17/2024")]
    sl = child(z_sl, "SL")
    sl.children += [
        el("PROFIL_M", "60"),
        el("NAPR", el("NAPR_DATE", "2024-01-10"), el("NAPR_NUM", "12"), el("NAPR_V", "3")),
        el(
            "ONK_SL",
            el("DS1_T", "0"),
            el(
                "ONK_USL",
                el("USL_TIP", "2"),
                el(
                    "LEK_PR",
                    el("REGNUM", "000123"),
                    el("REGNUM_DOP", "R-1"),
                    el("CODE_SH", "sh0001"),
                    el(
                        "INJ",
                        el("DATE_INJ", "2024-01-10"),
                        el("KV_INJ", "1.5"),
                        el("S_INJ", "1234.123456"),
                        el("SV_INJ", "1851.19"),
                        el("RED_INJ", "0"),
                    ),
                ),
            ),
        ),
        el(
            "KSG_KPG",
            el("N_KSG", "st19.001"),
            el("VER_KSG", "2025"),
            el("KSG_PG", "0"),
            el("KOEF_Z", "1.5"),
            el("KOEF_UP", "1"),
            el("BZTSZ", "25000.00"),
            el("KOEF_D", "1"),
            el("KOEF_U", "1"),
            el("K_ZP", "1.02"),
            el("SL_K", "0"),
            el("PR_PR", "1"),
            el("KOEF_PR", "0.9"),
        ),
    ]
    child(sl, "USL").children.append(el("PROFIL_M", "60"))
    path = write(tmp_path, s, "C", "5.1", [rec])
    findings, structural, got, _ = read_checked(path)
    assert findings == [] and structural == []
    assert got[0].get("Z_SL/SL/ONK_SL/ONK_USL/LEK_PR/INJ/S_INJ") == "1234.123456"
    assert got[0].get("Z_SL/NPR_NUM") == "Н-17/2024"
    # the same record is not 4.0: INJ is 5.x only
    with pytest.raises(ValueError, match="INJ"):
        write(tmp_path, s, "C", "4.0", [rec])


# -- bad input -------------------------------------------------------------------------------
def patched(tmp_path, s, kind, version, old, new, rec=None):
    path = write(tmp_path, s, kind, version, [rec or record(s, 1, version, kind)])
    text = path.read_bytes().decode("cp1251")
    assert old in text
    path.write_bytes(text.replace(old, new, 1).encode("cp1251"))
    return read_checked(path)


def test_51_file_with_smo_ogrn_is_a_structure_error(tmp_path, s):
    _, structural, _, _ = patched(
        tmp_path, s, "H", "5.1", "<SMO>75001</SMO>", "<SMO>75001</SMO><SMO_OGRN>1027500000001</SMO_OGRN>"
    )
    assert codes_of(structural) == [(codes.EXTRA, "SMO_OGRN")]


def test_32_file_with_soc_is_a_structure_error(tmp_path, s):
    _, structural, _, _ = patched(tmp_path, s, "H", "3.2", "<NOVOR>0</NOVOR>", "<NOVOR>0</NOVOR><SOC>000</SOC>")
    assert codes_of(structural) == [(codes.EXTRA, "SOC")]


def test_40_file_without_soc_is_a_structure_error(tmp_path, s):
    _, structural, _, _ = patched(tmp_path, s, "H", "4.0", "<SOC>000</SOC>", "")
    assert codes_of(structural) == [(codes.MISSING, "SOC")]


@pytest.mark.parametrize("kind,version", [("H", "5.1"), ("X", "5.0"), ("C", "4.0")])
def test_unknown_element_is_a_structure_error(tmp_path, s, kind, version):
    _, structural, _, _ = patched(tmp_path, s, kind, version, "<DS1>", "<FOO>1</FOO><DS1>")
    assert codes_of(structural) == [(codes.EXTRA, "FOO")]
    assert structural[0].base_element == "SL"


ONK_40 = (
    "<ONK_SL><DS1_T>0</DS1_T><ONK_USL><USL_TIP>2</USL_TIP><LEK_PR><REGNUM>000123</REGNUM>"
    "<CODE_SH>sh0001</CODE_SH><DATE_INJ>2024-01-10</DATE_INJ>{inj}</LEK_PR></ONK_USL></ONK_SL>"
)
INJ = "<INJ><DATE_INJ>2024-01-10</DATE_INJ><RED_INJ>1</RED_INJ></INJ>"


@pytest.mark.parametrize("version,expected", [("4.0", [(codes.EXTRA, "INJ")]), ("5.0", []), ("5.1", [])])
def test_inj_only_in_5x(tmp_path, s, version, expected):
    _, structural, _, _ = patched(
        tmp_path, s, "C", version, "<PRVS>76</PRVS>", ONK_40.format(inj=INJ) + "<PRVS>76</PRVS>"
    )
    assert codes_of(structural) == expected
    _, structural, _, _ = patched(
        tmp_path, s, "C", version, "<PRVS>76</PRVS>", ONK_40.format(inj="") + "<PRVS>76</PRVS>"
    )
    assert structural == []


def test_inj_content_is_checked(tmp_path, s):
    bad = "<INJ><RED_INJ>2</RED_INJ></INJ>"
    _, structural, _, _ = patched(
        tmp_path, s, "C", "5.1", "<PRVS>76</PRVS>", ONK_40.format(inj=bad) + "<PRVS>76</PRVS>"
    )
    assert set(codes_of(structural)) == {(codes.MISSING, "DATE_INJ"), (codes.VALUE, "RED_INJ")}


@pytest.mark.parametrize(
    "kind,old,new,expected",
    [
        ("H", "<PROFIL>97</PROFIL>", "<PROFIL>97</PROFIL><PROFIL_M>97</PROFIL_M>", []),  # after PROFIL
        ("H", "<DS1>J06.9</DS1>", "<DS1>J06.9</DS1><C_ZAB>1</C_ZAB><PROFIL_M>97</PROFIL_M>", []),  # after C_ZAB
        ("H", "<DS1>J06.9</DS1>", "<DS1>J06.9</DS1><PROFIL_M>97</PROFIL_M>", []),  # C_ZAB is optional
        ("C", "<DS_ONK>1</DS_ONK>", "<DS_ONK>1</DS_ONK><PROFIL_M>97</PROFIL_M>", []),  # after DS_ONK
        ("H", "<DS1>J06.9</DS1>", "<DS1>J06.9</DS1><DN>1</DN><PROFIL_M>97</PROFIL_M>", [(codes.ORDER, "PROFIL_M")]),
        ("H", "<DS1>J06.9</DS1>", "<DS1>J06.9</DS1><PROFIL_M>97</PROFIL_M><C_ZAB>1</C_ZAB>", [(codes.ORDER, "C_ZAB")]),
    ],
)
def test_profil_m_in_both_positions(tmp_path, s, kind, old, new, expected):
    _, structural, _, _ = patched(tmp_path, s, kind, "5.1", old, new)
    assert codes_of(structural) == expected


def test_profil_m_in_both_positions_at_once_is_too_many(tmp_path, s):
    path = write(tmp_path, s, "H", "5.1", [record(s, 1, "5.1", "H")])
    text = path.read_bytes().decode("cp1251")
    text = text.replace("<PROFIL>97</PROFIL>", "<PROFIL>97</PROFIL><PROFIL_M>97</PROFIL_M>", 1)
    text = text.replace("<DS1>J06.9</DS1>", "<DS1>J06.9</DS1><PROFIL_M>1</PROFIL_M>", 1)
    path.write_bytes(text.encode("cp1251"))
    _, structural, _, _ = read_checked(path)
    assert codes_of(structural) == [(codes.EXTRA, "PROFIL_M")]


# -- 6.0: switched off unless FORMAT_6_0_ENABLED ---------------------------------------------------
def app_with(**config):
    app = Flask("formats-test")
    app.config.update(config)
    return app


def test_60_off_by_default(tmp_path, s):
    assert get_definition("H", "6.0") is None and get_definition("X", "6.0") is None
    assert "6.0" not in supported_versions("H")
    assert all(d.version != "6.0" for d in all_definitions())
    assert {d.kind for d in all_definitions(include_disabled=True) if d.version == "6.0"} == {"H", "X"}
    with app_with(FORMAT_6_0_ENABLED=False).app_context():
        assert get_definition("H", "6.0") is None
        assert supported_versions("H")[-1] == "5.1"
    # a 6.0 file is refused as of an unsupported version
    path = write(tmp_path, s, "H", "5.1", [record(s, 1, "6.0", "H")], header_version="6.0")
    findings, _, records, f = read_checked(path)
    assert [x.code for x in findings] == [codes.VERSION] and f.fatal and records == []
    assert "6.0" in findings[0].comment and "5.1" in findings[0].comment


def test_60_when_switched_on(tmp_path, s):
    with app_with(FORMAT_6_0_ENABLED=True).app_context():
        h60, x60 = get_definition("H", "6.0"), get_definition("DP", "6.0")
        assert (h60.version, x60.kind) == ("6.0", "X")
        assert supported_versions("H")[-2:] == ["5.1", "6.0"] and supported_versions("X")[-1] == "6.0"
        assert get_definition("C", "6.0") is None
        assert h60.record.at("PACIENT/VZ") is not None  # VZ is already in 5.1: 6.0 = 5.1
        assert h60.root == get_definition("H", "5.1").root
        for kind in ("H", "X"):
            path = write(tmp_path, s, kind, "6.0", [record(s, i, "6.0", kind) for i in (1, 2)])
            findings, structural, records, f = read_checked(path)
            assert findings == [] and structural == [] and len(records) == 2 and f.version == "6.0"


# -- the DSL: also_after --------------------------------------------------------------------
def test_also_after_in_the_dsl():
    base = E("R", "1", [E("A", "1", T(2)), E("M", "0..1", N(3)), E("B", "0..1", D), E("C", "0..1", T(1))])
    r = also_after("M", "B")(base)
    assert r.child("M").also_after == ("B",) and base.child("M").also_after == ()
    assert also_after("M", "B")(r).child("M").also_after == ("B",)  # idempotent
    assert "M [0..1] N(3) (also after B)" in r.tree()
    assert E("X", "1", [E("P", "1", T(1)), E("Q", "0..1", T(1), also_after="P")]).child("Q").also_after == ("P",)
    with pytest.raises(ValueError, match="not another child"):
        also_after("M", "NOPE")(base)
    with pytest.raises(ValueError, match="not another child"):
        remove("B")(r)  # the other place would vanish silently


def test_also_after_in_the_structure_check(s):
    from app.formats.definitions.dsl import FormatDefinition

    el = s.el
    rec = E(
        "REC",
        "1..n",
        [E("A", "1", T(2)), E("M", "0..1", N(3), also_after=("B",)), E("B", "0..1", D), E("C", "0..1", T(1))],
    )
    d = FormatDefinition("H", "9.9", E("ROOT", "1", [E("ZGLV", "1", [E("VERSION", "1", T(5))]), rec]), "REC")

    def check(*children):
        return codes_of(check_record(d, el("REC", *children)))

    assert check(el("A", "x"), el("M", "1"), el("B", "2024-01-01"), el("C", "c")) == []
    assert check(el("A", "x"), el("B", "2024-01-01"), el("M", "1"), el("C", "c")) == []
    assert check(el("A", "x"), el("M", "1")) == []
    assert check(el("A", "x"), el("B", "2024-01-01"), el("C", "c"), el("M", "1")) == [(codes.ORDER, "M")]
    assert check(el("M", "1"), el("A", "x")) == [(codes.ORDER, "A")]
    assert check(el("A", "x"), el("M", "1"), el("B", "2024-01-01"), el("M", "2")) == [(codes.EXTRA, "M")]
