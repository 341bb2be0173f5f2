import pytest

from app.formats import definitions
from app.formats.definitions import get_definition, kind_of, supported_versions
from app.formats.definitions.dsl import D, E, N, T, insert_after, remove, replace, span, variant
from app.formats.reader import read_file
from app.formats.structure import check_record

SUPPORTED = {
    "H": ["3.1", "3.2", "4.0", "5.0", "5.1"],
    "C": ["3.1", "3.2", "4.0", "5.0", "5.1"],
    "T": ["3.1", "3.2", "5.0", "5.1"],
    "X": ["3.1", "3.2", "5.0", "5.1"],
    "L": ["3.1", "3.2"],
}


def test_registry_has_every_kind_and_version():
    for kind in ("H", "C", "T", "X", "L"):
        assert supported_versions(kind) == SUPPORTED[kind]
        for v in SUPPORTED[kind]:
            d = get_definition(kind, v)
            assert (d.kind, d.version) == (kind, v)
    assert supported_versions("DP") == SUPPORTED["X"]
    assert get_definition("DV", "3.1").kind == "X"
    assert get_definition("H", "2.1") is None
    assert get_definition("Q", "3.1") is None
    assert supported_versions("Q") == []


def test_kind_of():
    assert [kind_of(t) for t in ("H", "C", "T", "L", "X", "DP", "DB", "DF")] == ["H", "C", "T", "L", "X", "X", "X", "X"]
    with pytest.raises(ValueError):
        kind_of("DZ")


def test_records_and_headers():
    h = get_definition("H", "3.1")
    assert (h.root_tag, h.record_tag, h.header_tags, h.file_kind) == ("ZL_LIST", "ZAP", ("ZGLV", "SCHET"), "H")
    l_ = get_definition("L", "3.2")
    assert (l_.root_tag, l_.record_tag, l_.header_tags, l_.file_kind) == ("PERS_LIST", "PERS", ("ZGLV",), "L")
    assert get_definition("X", "3.1").header("SCHET").child("DISP") is not None
    assert h.header("SCHET").child("DISP") is None


def test_format_md_facts():
    h = get_definition("H", "3.1").record
    assert h.at("PACIENT/ID_PAC").type.describe() == "T(36)"
    assert h.at("Z_SL/IDCASE").type.describe() == "N(11)"
    assert h.at("Z_SL/SUMV").type.describe() == "N(15,2)"
    assert h.at("Z_SL/SL").occurs == "1..n"
    assert h.at("Z_SL/SL/USL").occurs == "0..n"
    assert h.at("Z_SL/SL/USL/KOL_USL").type.describe() == "N(6,2)"
    assert h.at("Z_SL/SL/NHISTORY").type.describe() == "T(50)"
    assert h.at("Z_SL/SL/DN").values == ("1", "2", "4", "6")
    assert h.at("Z_SL/SANK/SL_ID").occurs == "0..n"
    assert h.at("Z_SL/OS_SLUCH").occurs == "0..n"
    assert h.at("Z_SL/DATE_Z_1").type == D
    assert h.names() == ("N_ZAP", "PR_NOV", "PACIENT", "Z_SL")
    z_sl = [c.name for c in h.at("Z_SL").children]
    assert z_sl.index("SL") < z_sl.index("IDSP") < z_sl.index("SANK") < z_sl.index("SANK_IT")


def test_32_is_31_plus_its_differences():
    h31, h32 = get_definition("H", "3.1").record, get_definition("H", "3.2").record
    p31, p32 = h31.at("PACIENT").names(), h32.at("PACIENT").names()
    assert "ENP" not in p31 and p32[p32.index("NPOLIS") + 1] == "ENP"
    assert "SMO_OGRN" in p31 and "SMO_OGRN" not in p32 and "SMO_OK" not in p32
    assert h32.at("PACIENT/NPOLIS").occurs == "0..1" and h31.at("PACIENT/NPOLIS").occurs == "1"
    u31, u32 = h31.at("Z_SL/SL/USL").names(), h32.at("Z_SL/SL/USL").names()
    assert "PRVS" in u31 and "PRVS" not in u32 and "CODE_MD" not in u32
    assert u32[u32.index("SUMV_USL") + 1 : u32.index("SUMV_USL") + 3] == ("MED_DEV", "MR_USL_N")
    assert h32.at("Z_SL/SL/USL/MR_USL_N").occurs == "1..n"
    s32 = h32.at("Z_SL/SL").names()
    assert s32[s32.index("DS0") - 1] == "WEI" and s32[s32.index("SUM_M") + 1] == "LEK_PR"
    assert h32.at("Z_SL/SL/LEK_PR/LEK_DOSE/COL_INJ") is not None
    # everything else is shared: the SANK block is the very same object
    assert h31.at("Z_SL/SANK") is h32.at("Z_SL/SANK")
    l31, l32 = get_definition("L", "3.1").record, get_definition("L", "3.2").record
    expected = list(l31.names())
    expected[expected.index("DOCNUM") + 1 : expected.index("DOCNUM") + 1] = ["DOCDATE", "DOCORG"]
    assert l32.names() == tuple(expected)


def test_kind_differences():
    h = get_definition("H", "3.1").record.at("Z_SL/SL").names()
    c = get_definition("C", "3.1").record.at("Z_SL/SL").names()
    t = get_definition("T", "3.1").record.at("Z_SL/SL").names()
    x = get_definition("X", "3.1").record.at("Z_SL/SL").names()
    assert "ONK_SL" not in h and "DS_ONK" not in h
    assert c[c.index("C_ZAB") + 1] == "DS_ONK" and "ONK_SL" in c and "NAPR" in c and "CONS" in c
    assert t[1:3] == ("VID_HMP", "METOD_HMP") and "TAL_NUM" in t
    assert "KSG_KPG" not in t and "KSG_KPG" in h and "KSG_KPG" in c
    assert "NAZ" in x and "DS2_N" in x and "PRVS" not in x
    assert get_definition("C", "3.1").record.at("Z_SL/SL/ONK_SL/ONK_USL/LEK_PR/DATE_INJ").occurs == "1..n"
    x_zsl = get_definition("X", "3.1").record.at("Z_SL").names()
    assert "RSLT_D" in x_zsl and "USL_OK" not in x_zsl and "ISHOD" not in x_zsl


def test_dsl_edits_and_errors():
    base = E("R", "1", [E("A", "1", T(2)), E("B", "0..n", N(3)), E("C", "1", [E("X", "1", D)])])
    edited = insert_after("C/X", E("Y", "0..1", N(5, 2)))(remove("B")(base))
    assert edited.names() == ("A", "C") and edited.at("C").names() == ("X", "Y")
    assert base.names() == ("A", "B", "C")  # immutable
    assert replace("A", E("A1", "1", T(1)), E("A2", "1", T(1)))(base).names()[:2] == ("A1", "A2")
    assert variant(base.at("A"), "0..1").occurs == "0..1"
    assert span(1, 3) == "1 2 3"
    with pytest.raises(KeyError):
        remove("C/NOPE")(base)
    with pytest.raises(ValueError):
        E("R", "1", [E("A", "1", T(1)), E("A", "1", T(1))])
    with pytest.raises(ValueError):
        insert_after("A", E("B", "1", T(1)))(base)  # B already there
    with pytest.raises(ValueError):
        E("EMPTY", "1", [])
    assert "B [0..n] N(3)" in base.tree()


def test_new_version_is_one_registration(tmp_path, monkeypatch, s):
    """A new version needs only a registered definition: the reader picks it up."""
    h32 = get_definition("H", "3.2")
    v60 = h32.derive(insert_after("ZAP/PACIENT/NOVOR", E("SOC", "0..1", T(3))), version="6.0", enabled_by=None)
    monkeypatch.setitem(definitions._REGISTRY, ("H", "6.0"), v60)
    assert supported_versions("H") == SUPPORTED["H"] + ["6.0"]
    p = s.write_h(tmp_path / "HM750001S75001_24011.xml", "3.2", 2)
    p.write_bytes(
        p.read_bytes()
        .replace(b"<VERSION>3.2<", b"<VERSION>6.0<")
        .replace(b"<NOVOR>0</NOVOR>", b"<NOVOR>0</NOVOR><SOC>035</SOC>")
    )
    with read_file(p) as f:
        assert f.version == "6.0" and f.definition is v60 and f.findings == []
        assert all(check_record(f.definition, r) == [] for r in f.records)
    assert check_record(h32, s.zap(1, "3.2")) == []
