import time
import tracemalloc

import pytest

from app.formats import codes
from app.formats.reader import CHUNK, read_file
from app.formats.structure import check_header, check_record

H31 = """<?xml version="1.0" encoding="{enc}"?>
<ZL_LIST>
  <ZGLV>
    <VERSION>3.1</VERSION>
    <DATA>2024-02-01</DATA>
    <FILENAME>HM750001S75001_24011</FILENAME>
    <SD_Z>2</SD_Z>
  </ZGLV>
  <SCHET>
    <CODE>1</CODE><CODE_MO>750001</CODE_MO><YEAR>2024</YEAR><MONTH>1</MONTH>
    <NSCHET>1</NSCHET><DSCHET>2024-01-31</DSCHET><PLAT>75001</PLAT>
    <SUMMAV>2000.00</SUMMAV><COMENTS>Счёт за январь</COMENTS>
  </SCHET>
  <ZAP>
    <N_ZAP>1</N_ZAP>
    <PR_NOV>0</PR_NOV>
    <PACIENT>
      <ID_PAC>PAC-1</ID_PAC><VPOLIS>3</VPOLIS><NPOLIS>7500000000000001</NPOLIS>
      <SMO>75001</SMO><NOVOR>0</NOVOR>
    </PACIENT>
    <Z_SL>
      <IDCASE>1</IDCASE><USL_OK>3</USL_OK><VIDPOM>13</VIDPOM><FOR_POM>3</FOR_POM>
      <LPU>750001</LPU><DATE_Z_1>2024-01-10</DATE_Z_1><DATE_Z_2>2024-01-10</DATE_Z_2>
      <RSLT>301</RSLT><ISHOD>304</ISHOD>
      <SL>
        <SL_ID>SL-1</SL_ID><PROFIL>97</PROFIL><DET>0</DET><NHISTORY>АМБ-1/24</NHISTORY>
        <DATE_1>2024-01-10</DATE_1><DATE_2>2024-01-10</DATE_2><DS1>J06.9</DS1>
        <PRVS>76</PRVS><VERS_SPEC>V021</VERS_SPEC><IDDOKT>038-077-626 70</IDDOKT>
        <SUM_M>1000.00</SUM_M>
        <USL>
          <IDSERV>1-1</IDSERV><LPU>750001</LPU><PROFIL>97</PROFIL><DET>0</DET>
          <DATE_IN>2024-01-10</DATE_IN><DATE_OUT>2024-01-10</DATE_OUT><DS>J06.9</DS>
          <CODE_USL>B01.047.001</CODE_USL><KOL_USL>1</KOL_USL><SUMV_USL>1000.00</SUMV_USL>
          <PRVS>76</PRVS><CODE_MD>038-077-626 70</CODE_MD>
        </USL>
        <COMENTSL>Приём терапевта</COMENTSL>
      </SL>
      <IDSP>29</IDSP><SUMV>1000.00</SUMV>
    </Z_SL>
  </ZAP>
  {more}
</ZL_LIST>
"""

ZAP2 = (
    H31.split("<ZAP>")[1]
    .split("</ZAP>")[0]
    .replace("<N_ZAP>1<", "<N_ZAP>2<")
    .replace("PAC-1", "PAC-2")
    .replace("<IDCASE>1<", "<IDCASE>2<")
    .replace("SL-1", "SL-2")
)


def h31(enc="windows-1251", more="<ZAP>" + ZAP2 + "</ZAP>"):
    return H31.format(enc=enc, more=more)


def h32(enc="windows-1251"):
    text = h31(enc).replace("<VERSION>3.1<", "<VERSION>3.2<")
    text = text.replace("<NPOLIS>", "<ENP>").replace("</NPOLIS>", "</ENP>")
    return text.replace(
        "<PRVS>76</PRVS><CODE_MD>038-077-626 70</CODE_MD>",
        "<MR_USL_N><MR_N>1</MR_N><PRVS>76</PRVS><CODE_MD>038-077-626 70</CODE_MD></MR_USL_N>",
    )


L32 = """<?xml version="1.0" encoding="{enc}"?>
<PERS_LIST>
  <ZGLV><VERSION>3.2</VERSION><DATA>2024-02-01</DATA>
    <FILENAME>LM750001S75001_24011</FILENAME><FILENAME1>HM750001S75001_24011</FILENAME1></ZGLV>
  <PERS><ID_PAC>PAC-1</ID_PAC><FAM>Ёлкина</FAM><IM>Анна</IM><W>2</W><DR>1990-01-01</DR>
    <DOCTYPE>14</DOCTYPE><DOCNUM>123456</DOCNUM><DOCDATE>2010-01-01</DOCDATE>
    <DOCORG>ОВД «Центральный» № 2</DOCORG></PERS>
</PERS_LIST>
"""


def put(tmp_path, text, name="HM750001S75001_24011.xml", enc="cp1251", bom=False):
    p = tmp_path / name
    data = text.encode(enc) if isinstance(text, str) else text
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return p


def read_all(path, **kw):
    f = read_file(path, **kw)
    items = list(f.items())
    f.close()
    return f, items


def fatal_codes(f):
    return [x.code for x in f.findings if x.fatal]


# -- valid files --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "enc,declared,bom",
    [
        ("cp1251", "windows-1251", False),
        ("utf-8", "UTF-8", False),
        ("utf-8", "utf-8", True),
    ],
)
def test_valid_h31_in_each_encoding(tmp_path, enc, declared, bom):
    p = put(tmp_path, h31(declared), enc=enc, bom=bom)
    f = read_file(p)
    # the header is known before the first record is taken
    assert f.version == "3.1" and f.kind == "H" and f.findings == []
    assert [c.tag for c in f.header.children] == ["ZGLV", "SCHET"]
    assert f.header.get("SCHET/COMENTS") == "Счёт за январь"
    assert f.header.find("ZGLV/VERSION").line == 4
    records = list(f.records)
    f.close()
    assert [r.get("N_ZAP") for r in records] == ["1", "2"]
    assert records[0].get("Z_SL/SL/NHISTORY") == "АМБ-1/24"
    assert records[1].get("PACIENT/ID_PAC") == "PAC-2"
    assert records[0].line == 14
    assert check_header(f.definition, f.header) == []
    assert all(check_record(f.definition, r) == [] for r in records)
    assert f.encoding == ("windows-1251" if enc == "cp1251" else "utf-8")


@pytest.mark.parametrize(
    "enc,declared,bom",
    [
        ("cp1251", "windows-1251", False),
        ("utf-8", "utf-8", False),
        ("utf-8", "UTF-8", True),
    ],
)
def test_valid_h32_in_each_encoding(tmp_path, enc, declared, bom):
    p = put(tmp_path, h32(declared), enc=enc, bom=bom)
    f, items = read_all(p)
    assert f.version == "3.2" and f.findings == []
    assert [n.get("PACIENT/ENP") for n, _ in items] == ["7500000000000001"] * 2
    assert all(problems == [] and check_record(f.definition, n) == [] for n, problems in items)
    assert items[0][0].find("Z_SL/SL/USL/MR_USL_N").get("CODE_MD") == "038-077-626 70"


@pytest.mark.parametrize(
    "enc,declared,bom",
    [
        ("cp1251", "windows-1251", False),
        ("utf-8", "utf-8", True),
    ],
)
def test_valid_l32(tmp_path, enc, declared, bom):
    p = put(tmp_path, L32.format(enc=declared), name="LM750001S75001_24011.xml", enc=enc, bom=bom)
    f, items = read_all(p)
    assert (f.kind, f.version, f.findings) == ("L", "3.2", [])
    assert f.header.get("ZGLV/FILENAME1") == "HM750001S75001_24011"
    ((node, problems),) = items
    assert node.get("FAM") == "Ёлкина" and node.get("DOCORG") == "ОВД «Центральный» № 2"
    assert check_record(f.definition, node) == []


def test_l31_rejects_32_elements_structurally(tmp_path):
    p = put(
        tmp_path,
        L32.format(enc="windows-1251").replace("<VERSION>3.2<", "<VERSION>3.1<"),
        name="LM750001S75001_24011.xml",
    )
    f, items = read_all(p)
    assert f.version == "3.1"
    found = check_record(f.definition, items[0][0])
    assert {(x.code, x.element) for x in found} == {("905", "DOCDATE"), ("905", "DOCORG")}


def test_kind_from_file_name_and_from_argument(tmp_path, s):
    p = s.write_h(tmp_path / "DPM750001S75001_24011.xml", "3.1", 1, kind="X")
    f = read_file(p)
    assert f.kind == "X" and f.definition.kind == "X"
    f.close()
    other = tmp_path / "anything.xml"
    other.write_bytes(p.read_bytes())
    assert read_file(other).kind == "H"  # no name: the root decides
    assert read_file(other, expected_kind="DP").kind == "X"


def test_reading_streams_and_clears(tmp_path, s):
    p = s.write_h(tmp_path / "HM750001S75001_24011.xml", "3.2", 3000)
    size = p.stat().st_size
    f = read_file(p)
    it = f.records
    first = next(it)
    assert first.get("N_ZAP") == "1"
    assert f._fh.tell() < size / 4  # not read to the end to give the first record
    widths = []
    for i, rec in enumerate(it, start=2):
        assert rec.get("N_ZAP") == str(i)
        if i % 500 == 0:
            widths.append(len(f._root))  # processed records are deleted from the tree
    f.close()
    assert f.record_count == 3000
    # at most the records of one parsed chunk wait in the tree, never the whole file
    per_chunk = CHUNK // (size // 3000) + 2
    assert max(widths) <= per_chunk < 100


def test_python_memory_stays_small(tmp_path, s):
    p = s.write_h(tmp_path / "HM750001S75001_24011.xml", "3.1", 1500)
    tracemalloc.start()
    with read_file(p) as f:
        count = sum(1 for _ in f.records)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 1500
    assert peak < 2_000_000, peak  # a few records at a time, not 1500 Node trees


# -- hostile documents ----------------------------------------------------------------------
XXE = """<?xml version="1.0" encoding="windows-1251"?>
<!DOCTYPE ZL_LIST [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<ZL_LIST>
  <ZGLV><VERSION>3.1</VERSION><DATA>2024-01-01</DATA><FILENAME>&xxe;</FILENAME><SD_Z>1</SD_Z></ZGLV>
  <ZAP><N_ZAP>&xxe;</N_ZAP></ZAP>
</ZL_LIST>
"""

XXE_PARAMETER = """<?xml version="1.0"?>
<!DOCTYPE ZL_LIST [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>
<ZL_LIST><ZAP><N_ZAP>1</N_ZAP></ZAP></ZL_LIST>
"""

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lollollollollollollollollollol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ZL_LIST><ZGLV><VERSION>&lol9;</VERSION></ZGLV><ZAP><N_ZAP>&lol9;</N_ZAP></ZAP></ZL_LIST>
"""


def _everything(f, items):
    """All text the reader exposes: findings, header, records."""
    parts = [repr(x) for x in f.findings]
    for root in ([f.header] if f.header else []) + [n for n, _ in items]:
        parts += [f"{n.tag}={n.text}" for n in root.walk()]
    parts += [repr(p) for _, ps in items for p in ps]
    return "\n".join(parts)


def _passwd_marker():
    try:
        with open("/etc/passwd", encoding="utf-8", errors="replace") as fh:
            return fh.readline().split(":")[0] + ":x:"
    except OSError:  # pragma: no cover
        return "root:x:"


@pytest.mark.parametrize("text", [XXE, XXE_PARAMETER], ids=["general", "parameter"])
def test_xxe_is_refused_and_leaks_nothing(tmp_path, text):
    p = put(tmp_path, text, enc="utf-8")
    f, items = read_all(p)
    assert fatal_codes(f) == [codes.DOCTYPE]
    assert items == []
    assert f.findings[0].comment.startswith("Документ содержит объявление DOCTYPE")
    assert f.findings[0].line == 2
    dump = _everything(f, items)
    assert _passwd_marker() not in dump and "/bin/" not in dump


def test_doctype_hidden_after_a_long_prolog_is_refused(tmp_path):
    padding = "<!--" + "x" * 200_000 + "-->\n"
    text = XXE.replace("<!DOCTYPE", padding + "<!DOCTYPE", 1)
    f, items = read_all(put(tmp_path, text, enc="utf-8"))
    assert fatal_codes(f) == [codes.DOCTYPE] and items == []
    assert _passwd_marker() not in _everything(f, items)


def test_billion_laughs_is_refused_fast(tmp_path):
    p = put(tmp_path, LAUGHS, enc="utf-8")
    tracemalloc.start()
    t = time.perf_counter()
    f, items = read_all(p)
    elapsed = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert fatal_codes(f) == [codes.DOCTYPE] and items == []
    assert elapsed < 1.0 and peak < 1_000_000
    assert "lollol" not in _everything(f, items)


# -- broken documents ---------------------------------------------------------------------
def test_truncated_xml_keeps_yielded_records(tmp_path):
    text = h31()
    cut = text.index("<IDSP>", text.index("<N_ZAP>2<"))  # inside the second ZAP
    p = put(tmp_path, text[:cut])
    f, items = read_all(p)
    assert [n.get("N_ZAP") for n, _ in items] == ["1"]
    assert fatal_codes(f) == [codes.XML]
    expected_line = text[:cut].count("\n") + 1
    assert f.findings[0].line == expected_line
    assert f.findings[0].comment.startswith(f"Нарушена структура XML (строка {expected_line})")


def test_not_well_formed_reports_line(tmp_path):
    text = h31().replace("<DS1>J06.9</DS1>", "<DS1>J06.9</DS2>", 1)
    f, items = read_all(put(tmp_path, text))
    assert fatal_codes(f) == [codes.XML]
    assert f.findings[0].line == text[: text.index("</DS2>")].count("\n") + 1
    assert items == []


@pytest.mark.parametrize(
    "data,key",
    [
        (b"", "Файл пуст"),
        (b"   \n  ", "В файле нет корневого элемента XML"),
        (b'<?xml version="1.0" encoding="windows-1251"?>\n', "В файле нет корневого элемента XML"),
    ],
)
def test_empty_documents(tmp_path, data, key):
    f, items = read_all(put(tmp_path, data))
    assert fatal_codes(f) == [codes.XML]
    assert f.findings[0].comment == key
    assert items == [] and f.header is None


def test_garbage_is_not_xml(tmp_path):
    f, items = read_all(put(tmp_path, b"PK\x03\x04 this is a zip, not xml"))
    assert fatal_codes(f) == [codes.XML]


# -- encodings ----------------------------------------------------------------------------
def test_cp1251_declared_but_utf8_content(tmp_path):
    p = put(tmp_path, h31("windows-1251"), enc="utf-8")
    f, items = read_all(p)
    assert fatal_codes(f) == [codes.ENCODING]
    assert f.findings[0].comment.startswith("Объявлена кодировка windows-1251, но содержимое в UTF-8")
    text = h31()
    assert f.findings[0].line == text[: text.index("Счёт")].count("\n") + 1 == 12
    assert items == []


def test_cp1251_declared_utf8_found_late(tmp_path, s):
    """The first non-ASCII bytes lie beyond the first chunks: still detected."""
    head = h31("windows-1251", more="").split("<ZAP>")[0].replace("Счёт за январь", "Schet")
    zap = (
        "<ZAP>"
        + h31().split("<ZAP>")[1].split("</ZAP>")[0].replace("АМБ-1/24", "AMB").replace("Приём терапевта", "x")
        + "</ZAP>\n"
    )
    late = zap.replace("AMB", "Амбулаторно")
    text = head + zap * 300 + late + "</ZL_LIST>\n"
    f, items = read_all(put(tmp_path, text, enc="utf-8"))
    assert fatal_codes(f) == [codes.ENCODING]
    assert 100 < len(items) <= 300


def test_utf8_declared_but_cp1251_content(tmp_path):
    f, items = read_all(put(tmp_path, h31("UTF-8"), enc="cp1251"))
    assert fatal_codes(f) == [codes.ENCODING]
    assert "Объявлена кодировка UTF-8, но содержимое не в UTF-8" in f.findings[0].comment


def test_no_declaration_means_utf8(tmp_path):
    text = h31().split("\n", 1)[1]
    f, items = read_all(put(tmp_path, text, enc="utf-8"))
    assert f.findings == [] and len(items) == 2


@pytest.mark.parametrize(
    "data,fragment",
    [
        (h31("koi8-r").encode("koi8-r"), "Кодировка «koi8-r» не поддерживается"),
        (h31("UTF-16").encode("utf-16"), "UTF-16"),
        (b"\xef\xbb\xbf" + h31("windows-1251").encode("cp1251"), "метки UTF-8 (BOM)"),
    ],
)
def test_unsupported_encodings(tmp_path, data, fragment):
    f, items = read_all(put(tmp_path, data))
    assert fatal_codes(f) == [codes.ENCODING]
    assert fragment in f.findings[0].comment
    assert items == []


# -- limits -------------------------------------------------------------------------------
def test_overlong_text_is_a_record_finding(tmp_path):
    text = h31().replace("Приём терапевта", "Ж" * 5000, 1)
    f, items = read_all(put(tmp_path, text), max_text_length=1000)
    assert f.findings == []  # not fatal for the file
    (first, problems), (second, problems2) = items
    assert problems2 == []
    (p,) = problems
    assert (p.code, p.element, p.base_element) == (codes.TOO_LONG, "COMENTSL", "SL")
    assert (p.n_zap, p.idcase, p.sl_id, p.id_pac) == ("1", "1", "SL-1", "PAC-1")
    assert p.line == text[: text.index("ЖЖЖ")].count("\n") + 1
    assert not p.fatal
    assert first.get("Z_SL/SL/COMENTSL") == "Ж" * 1000  # cut to the limit
    assert [x.code for x in check_record(f.definition, first)] == [codes.FORMAT]  # > T(250)


def test_too_many_elements_in_a_record(tmp_path):
    text = h31().replace("<DS1>J06.9</DS1>", "<DS1>J06.9</DS1>" + "<DS2>A00</DS2>" * 500, 1)
    f, items = read_all(put(tmp_path, text), max_record_elements=200)
    assert fatal_codes(f) == [codes.SIZE]
    assert items == []


def test_too_big_record_in_bytes(tmp_path):
    text = h31().replace("<DS1>J06.9</DS1>", "<DS1>J06.9</DS1>" + "<DS2>A00</DS2>" * 40_000, 1)
    f, items = read_all(put(tmp_path, text), max_record_bytes=200_000)
    assert fatal_codes(f) == [codes.SIZE]
    assert items == []


# -- header, version, root ----------------------------------------------------------------
@pytest.mark.parametrize("version", ["3.0", "6.0", "abc"])  # 6.0: registered but switched off
def test_unsupported_version(tmp_path, version):
    f, items = read_all(put(tmp_path, h31().replace("<VERSION>3.1<", f"<VERSION>{version}<")))
    assert fatal_codes(f) == [codes.VERSION]
    assert f.findings[0].comment == (
        f"Версия формата «{version}» не поддерживается для файлов типа H (поддерживаются: 3.1, 3.2, 4.0, 5.0, 5.1)"
    )
    assert (f.findings[0].element, f.findings[0].base_element, f.findings[0].line) == ("VERSION", "ZGLV", 4)
    assert items == []


def test_missing_version(tmp_path):
    f, _ = read_all(put(tmp_path, h31().replace("<VERSION>3.1</VERSION>", "")))
    assert fatal_codes(f) == [codes.VERSION]
    text = h31()
    zglv = text[text.index("<ZGLV>") : text.index("</ZGLV>") + 7]
    f, items = read_all(put(tmp_path, text.replace(zglv, "")))
    assert fatal_codes(f) == [codes.VERSION] and items == []


def test_l_expected_but_cases_root(tmp_path):
    f, items = read_all(put(tmp_path, h31()), expected_kind="L")
    assert fatal_codes(f) == [codes.ROOT]
    assert f.findings[0].comment == ("Корневой элемент ZL_LIST не соответствует типу файла L: ожидается PERS_LIST")


def test_l_file_name_with_cases_root(tmp_path):
    f, _ = read_all(put(tmp_path, h31(), name="LM750001S75001_24011.xml"))
    assert fatal_codes(f) == [codes.ROOT]


@pytest.mark.parametrize("root", ["FOO", "zl_list"])
def test_unknown_root(tmp_path, root):
    text = h31().replace("<ZL_LIST>", f"<{root}>").replace("</ZL_LIST>", f"</{root}>")
    f, items = read_all(put(tmp_path, text))
    assert fatal_codes(f) == [codes.ROOT]
    assert root in f.findings[0].comment and items == []


def test_namespaced_root(tmp_path):
    text = h31().replace("<ZL_LIST>", '<ZL_LIST xmlns="urn:x">')
    f, items = read_all(put(tmp_path, text))
    assert fatal_codes(f) == [codes.ROOT] and "xmlns" in f.findings[0].comment


def test_file_without_records(tmp_path):
    f, items = read_all(put(tmp_path, h31(more="").split("<ZAP>")[0] + "</ZL_LIST>"))
    assert fatal_codes(f) == [codes.MISSING]
    assert f.findings[0].comment == "В файле нет ни одной записи ZAP"


def test_header_after_records(tmp_path):
    text = h31()
    schet = text[text.index("<SCHET>") : text.index("</SCHET>") + 8]
    text = text.replace(schet, "").replace("</ZL_LIST>", schet + "</ZL_LIST>")
    f, items = read_all(put(tmp_path, text))
    assert [n.get("N_ZAP") for n, _ in items] == ["1", "2"]
    assert fatal_codes(f) == [codes.ORDER]
    assert f.findings[0].element == "SCHET"
    assert check_header(f.definition, f.header)[0].element == "SCHET"  # missing at READY


def test_unknown_element_before_records_goes_to_header(tmp_path):
    text = h31().replace("</SCHET>", "</SCHET>\n  <EXTRA><X>1</X></EXTRA>", 1)
    f, items = read_all(put(tmp_path, text))
    assert f.findings == [] and len(items) == 2
    assert [c.tag for c in f.header.children] == ["ZGLV", "SCHET", "EXTRA"]
    (problem,) = check_header(f.definition, f.header)
    assert (problem.code, problem.element, problem.base_element) == ("905", "EXTRA", "ZL_LIST")


def test_unknown_element_between_records_is_reported(tmp_path):
    text = h31().replace("</ZAP>", "</ZAP>\n  <JUNK>1</JUNK>", 1)
    f, items = read_all(put(tmp_path, text))
    assert len(items) == 2 and not f.fatal
    (problem,) = f.findings
    assert (problem.code, problem.element) == ("905", "JUNK")
    text = h31().replace("</ZL_LIST>", "<TAIL/></ZL_LIST>")
    f, items = read_all(put(tmp_path, text))
    assert [x.element for x in f.findings] == ["TAIL"] and len(items) == 2


def test_comments_and_processing_instructions_are_ignored(tmp_path):
    text = h31().replace("<DS1>", "<!-- диагноз --><?pi x?><DS1>", 1)
    f, items = read_all(put(tmp_path, text))
    assert f.findings == []
    assert check_record(f.definition, items[0][0]) == []
