import io
import random

import pytest
from lxml import etree

from app.formats.definitions import get_definition
from app.formats.reader import read_file
from app.formats.record import Node
from app.formats.writer import write_file


@pytest.mark.parametrize(
    "kind,version,name",
    [
        ("H", "3.1", "HM750001S75001_24011"),
        ("H", "3.2", "HM750001S75001_24011"),
        ("C", "3.2", "CM750001S75001_24011"),
        ("X", "3.1", "DPM750001S75001_24011"),
        ("X", "3.2", "DOM750001S75001_24011"),
    ],
)
def test_round_trip_cases_file(tmp_path, s, kind, version, name):
    d = get_definition(kind, version)
    header = s.header_h(version, name, 3, disp="ДВ4" if kind == "X" else None)
    records = [s.zap(i, version, kind) for i in range(1, 4)]
    path = tmp_path / f"{name}.xml"
    assert write_file(path, d, header, iter(records)) == 3
    with read_file(path) as f:
        assert f.findings == [] and f.kind == kind and f.version == version
        assert s.shape(f.header) == s.shape(header)
        assert [s.shape(r) for r in f.records] == [s.shape(r) for r in records]


@pytest.mark.parametrize("version", ["3.1", "3.2"])
def test_round_trip_l_file(tmp_path, s, version):
    d = get_definition("L", version)
    header = s.header_l(version)
    people = [s.pers(i, version) for i in range(1, 5)]
    path = tmp_path / f"{s.L_NAME}.xml"
    write_file(path, d, header, people)
    raw = path.read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="windows-1251"?>')
    assert "Пётр".encode("cp1251") in raw  # really windows-1251 bytes
    with read_file(path) as f:
        assert [s.shape(r) for r in f.records] == [s.shape(p) for p in people]


def test_children_written_in_definition_order(tmp_path, s):
    d = get_definition("H", "3.1")
    rec = s.zap(1)
    expected = s.shape(rec)
    rng = random.Random(5)
    for n in rec.walk():
        rng.shuffle(n.children)
    header = s.header_h()
    header.children.reverse()
    path = tmp_path / "HM750001S75001_24011.xml"
    write_file(path, d, header, [rec])
    with read_file(path) as f:
        assert [c.tag for c in f.header.children] == ["ZGLV", "SCHET"]
        (got,) = list(f.records)
    assert s.shape(got) == expected


def test_repeated_elements_keep_their_order(tmp_path, s):
    d = get_definition("H", "3.1")
    rec = s.zap(1)
    sl = rec.find("Z_SL/SL")
    sl.children += [Node("DS2", "B02"), Node("DS2", "A01")]
    buf = io.BytesIO()
    write_file(buf, d, s.header_h(), [rec])
    tree = etree.fromstring(buf.getvalue())
    assert [e.text for e in tree.iter("DS2")] == ["B02", "A01"]
    names = [e.tag for e in tree.find("ZAP/Z_SL/SL")]
    assert names.index("DS1") < names.index("DS2") < names.index("PRVS")


def test_unknown_element_is_refused(tmp_path, s):
    d = get_definition("H", "3.1")
    rec = s.zap(1)
    rec.find("Z_SL/SL").children.append(Node("FOO", "1"))
    with pytest.raises(ValueError, match="Элемент FOO не предусмотрен форматом в ZL_LIST/ZAP/Z_SL/SL"):
        write_file(tmp_path / "x.xml", d, s.header_h(), [rec])
    with pytest.raises(ValueError, match="PERS"):
        write_file(tmp_path / "y.xml", d, s.header_h(), [s.pers(1)])


def test_utf8_and_characters_outside_cp1251(tmp_path, s):
    d = get_definition("H", "3.1")
    rec = s.zap(1)
    rec.find("Z_SL/SL").children.append(Node("COMENTSL", "Ω ✓ <&> «ё»"))
    for enc in ("windows-1251", "utf-8"):
        path = tmp_path / f"HM750001S75001_2401{1 if enc == 'utf-8' else 2}.xml"
        write_file(path, d, s.header_h(filename=path.stem), [rec], encoding=enc)
        if enc == "windows-1251":
            assert b"&#937;" in path.read_bytes()  # Ω has no cp1251 code
        with read_file(path) as f:
            assert f.encoding == enc
            (got,) = list(f.records)
        assert got.get("Z_SL/SL/COMENTSL") == "Ω ✓ <&> «ё»"
