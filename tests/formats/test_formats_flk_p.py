import io

from lxml import etree

from app.controls.finding import Finding
from app.formats.flk_p import protocol_name, read_flk_p, write_flk_p

FINDINGS = [
    Finding(
        code="902",
        comment="Отсутствует обязательный элемент CODE_USL в USL",
        element="CODE_USL",
        base_element="USL",
        n_zap="3",
        idcase="3",
        sl_id="00000000-0000-0000-0000-000000000003",
        idserv="3-2",
        id_pac="PAC-3",
        line=77,
    ),
    Finding(
        code="003F.00.0400",
        comment="Ж" * 300,
        element="NPR_MO",
        base_element="Z_SL",
        n_zap="5",
        idcase="5",
        value="=HYPERLINK(\"x\")",
    ),
    Finding(code="XML", comment="Нарушена структура XML (строка 2): \x01bad", fatal=True),
]


def test_protocol_name():
    assert protocol_name("HM750001S75001_24011.xml") == "VHM750001S75001_24011"
    assert protocol_name("/tmp/x/LM750001S75001_24011.XML") == "VLM750001S75001_24011"


def test_flk_p_written_in_cp1251_and_read_back(tmp_path):
    path = tmp_path / "VHM750001S75001_24011.xml"
    n = write_flk_p(path, "VHM750001S75001_24011", "HM750001S75001_24011", iter(FINDINGS))
    assert n == 3
    raw = path.read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="windows-1251"?>')
    assert "Отсутствует обязательный элемент".encode("cp1251") in raw
    root = etree.parse(str(path)).getroot()
    assert root.tag == "FLK_P"
    assert [c.tag for c in root][:2] == ["FNAME", "FNAME_I"]
    assert root.findtext("FNAME") == "VHM750001S75001_24011"
    assert root.findtext("FNAME_I") == "HM750001S75001_24011"
    prs = root.findall("PR")
    assert [c.tag for c in prs[0]] == ["OSHIB", "IM_POL", "BAS_EL", "N_ZAP", "IDCASE", "SL_ID", "IDSERV", "COMMENT"]
    assert [c.text for c in prs[0]] == [
        "902",
        "CODE_USL",
        "USL",
        "3",
        "3",
        "00000000-0000-0000-0000-000000000003",
        "3-2",
        "Отсутствует обязательный элемент CODE_USL в USL",
    ]
    assert [c.tag for c in prs[1]] == ["OSHIB", "IM_POL", "BAS_EL", "N_ZAP", "IDCASE", "COMMENT"]
    assert len(prs[1].findtext("COMMENT")) == 250
    assert [c.tag for c in prs[2]] == ["OSHIB", "COMMENT"]
    assert "\x01" not in prs[2].findtext("COMMENT")


def test_flk_p_to_a_stream_and_read_flk_p():
    buf = io.BytesIO()
    write_flk_p(buf, "VHM1", "HM1", FINDINGS[:1])
    buf.seek(0)
    fname, fname_i, rows = read_flk_p(buf)
    assert (fname, fname_i) == ("VHM1", "HM1")
    assert rows == [
        {
            "OSHIB": "902",
            "IM_POL": "CODE_USL",
            "BAS_EL": "USL",
            "N_ZAP": "3",
            "IDCASE": "3",
            "SL_ID": "00000000-0000-0000-0000-000000000003",
            "IDSERV": "3-2",
            "COMMENT": "Отсутствует обязательный элемент CODE_USL в USL",
        }
    ]


def test_empty_protocol(tmp_path):
    path = tmp_path / "V.xml"
    assert write_flk_p(path, "VHM1", "HM1", []) == 0
    assert read_flk_p(path) == ("VHM1", "HM1", [])
