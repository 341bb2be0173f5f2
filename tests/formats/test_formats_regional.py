"""Regional elements from a JSON file (setting FORMAT_REGIONAL_ELEMENTS), without code."""

import json

import pytest
from flask import Flask

from app.formats import codes
from app.formats import definitions as registry
from app.formats.definitions import RegionalElementsError, check_regional_elements, get_definition, regional
from app.formats.reader import read_file
from app.formats.structure import check_record
from app.formats.writer import write_file

ENTRIES = [
    {
        "kind": "H",
        "version": "*",
        "parent": "ZAP/Z_SL",
        "after": "LPU",
        "name": "EVENING_TIME",
        "occurs": "0..1",
        "type": "N(1)",
        "title": "Признак вечернего приёма",
    },
    {
        "kind": ["H", "C"],
        "version": ["5.0", "5.1"],
        "parent": "ZAP/Z_SL/SL",
        "after": "COMENTSL",
        "name": "LPU_LEVEL",
        "type": "T(2)",
        "title": "Уровень МО",
    },
    {
        "kind": "H",
        "version": "5.1",
        "parent": "ZAP/Z_SL/SL",
        "after": "DS1",
        "name": "PROF_M",
        "occurs": "0..1",
        "type": "N(1)",
        "values": "1 2 3 4",
    },
]


def config_file(tmp_path, entries, wrap=True):
    path = tmp_path / "regional.json"
    path.write_text(json.dumps({"elements": entries} if wrap else entries, ensure_ascii=False), encoding="utf-8")
    return str(path)


def app_with(**config):
    app = Flask("regional-test")
    app.config.update(config)
    return app


def h_file(tmp_path, s, version, replacements):
    """A valid file of ``version`` with regional elements put in by text ``(old, new)`` pairs."""
    path = s.write_h(tmp_path / "HM750001S75001_24011.xml", version, 2)
    text = path.read_bytes().decode("cp1251")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    path.write_bytes(text.encode("cp1251"))
    return path


def structural(path):
    with read_file(path) as f:
        assert not f.fatal, f.findings
        return [(x.code, x.element) for r in f.records for x in check_record(f.definition, r)]


EXTRA_51 = [
    ("<DATE_Z_1>", "<EVENING_TIME>1</EVENING_TIME><DATE_Z_1>"),
    ("<DS1>J06.9</DS1>", "<DS1>J06.9</DS1><PROF_M>2</PROF_M>"),
    ("</SL>", "<LPU_LEVEL>3</LPU_LEVEL></SL>"),
]


def test_file_with_regional_elements_passes_only_with_the_config(tmp_path, s):
    path = h_file(tmp_path, s, "5.1", EXTRA_51)
    # without the setting: the regional elements are unknown (905), per record
    expected = [(codes.EXTRA, "EVENING_TIME"), (codes.EXTRA, "PROF_M"), (codes.EXTRA, "LPU_LEVEL")] * 2
    assert structural(path) == expected
    with app_with(FORMAT_REGIONAL_ELEMENTS=None).app_context():
        assert structural(path) == expected
    cfg = config_file(tmp_path, ENTRIES)
    with app_with(FORMAT_REGIONAL_ELEMENTS=cfg).app_context():
        assert structural(path) == []
        d = get_definition("H", "5.1")
        z = d.record.at("Z_SL").names()
        assert z[z.index("LPU") + 1] == "EVENING_TIME"
        assert d.record.at("Z_SL/SL/PROF_M").values == ("1", "2", "3", "4")
        assert d.record.at("Z_SL/SL").names()[-1] == "LPU_LEVEL"
        assert d is get_definition("H", "5.1")  # built once
        # "*" reaches every version of the kind, a list only those named
        assert get_definition("H", "3.1").record.at("Z_SL/EVENING_TIME") is not None
        assert get_definition("H", "4.0").record.at("Z_SL/SL/LPU_LEVEL") is None
        assert get_definition("C", "5.0").record.at("Z_SL/SL/LPU_LEVEL") is not None
        assert get_definition("C", "5.0").record.at("Z_SL/EVENING_TIME") is None
        assert get_definition("H", "6.0") is None  # still switched off
        # the writer follows the regional definition too
        rec = s.zap(1, "5.1")
        rec.children[-1].children.append(s.el("EVENING_TIME", "1"))
        write_file(tmp_path / "out.xml", d, s.header_h("5.1"), [rec])
    # the base definitions are untouched
    assert get_definition("H", "5.1").record.at("Z_SL/EVENING_TIME") is None
    assert structural(path) == expected


def test_value_of_a_regional_element_is_checked(tmp_path, s):
    path = h_file(tmp_path, s, "5.1", [("<DS1>J06.9</DS1>", "<DS1>J06.9</DS1><PROF_M>7</PROF_M>")])
    with app_with(FORMAT_REGIONAL_ELEMENTS=config_file(tmp_path, ENTRIES)).app_context():
        assert structural(path) == [(codes.VALUE, "PROF_M")] * 2


def test_a_bare_list_and_the_switched_on_60(tmp_path, s):
    cfg = config_file(tmp_path, ENTRIES[:1], wrap=False)
    with app_with(FORMAT_REGIONAL_ELEMENTS=cfg, FORMAT_6_0_ENABLED=True).app_context():
        assert get_definition("H", "6.0").record.at("Z_SL/EVENING_TIME") is not None


@pytest.mark.parametrize(
    "change,message",
    [
        ({"type": "X(3)"}, "entry #2 (LPU_LEVEL): type 'X(3)'"),
        ({"type": "N(2,2)"}, "entry #2 (LPU_LEVEL): type 'N(2,2)'"),
        ({"occurs": "1"}, "entry #2 (LPU_LEVEL): occurs '1'"),
        ({"after": "NOPE"}, "entry #2 (LPU_LEVEL): cannot insert into C 5.0: ZAP/Z_SL/SL/NOPE"),
        ({"parent": "ZAP/NOPE"}, "entry #2 (LPU_LEVEL): cannot insert into C 5.0"),
        ({"version": "7.0"}, "entry #2 (LPU_LEVEL): no registered definition of kind H/C and version 7.0"),
        ({"kind": "Q"}, "entry #2 (LPU_LEVEL): no registered definition of kind Q"),
        (
            {**ENTRIES[0], "type": "T(1)"},
            "entry #2 (EVENING_TIME): cannot insert into H 3.1: Z_SL: child EVENING_TIME defined twice",
        ),
        ({"name": "1BAD"}, "entry #2 (1BAD): name '1BAD'"),
        ({"colour": "red"}, "entry #2 (LPU_LEVEL): unknown keys colour"),
        ({"type": None}, "entry #2 (LPU_LEVEL): missing type"),
        ({"pattern": "("}, "entry #2 (LPU_LEVEL)"),
    ],
)
def test_bad_entry_is_a_clear_error(tmp_path, change, message):
    entries = [dict(ENTRIES[0]), {**ENTRIES[1], **change}]
    cfg = config_file(tmp_path, entries)
    with pytest.raises(RegionalElementsError) as e:
        check_regional_elements({"FORMAT_REGIONAL_ELEMENTS": cfg})
    assert message in str(e.value)
    assert str(e.value).startswith("FORMAT_REGIONAL_ELEMENTS")
    # a load in an application with that setting fails the same way
    with app_with(FORMAT_REGIONAL_ELEMENTS=cfg).app_context():
        with pytest.raises(RegionalElementsError, match="entry #2"):
            get_definition("H", "5.1")


@pytest.mark.parametrize("content", ["{not json", '{"other": []}', "42", '[1]'])
def test_bad_file_is_a_clear_error(tmp_path, content):
    path = tmp_path / "regional.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RegionalElementsError, match="FORMAT_REGIONAL_ELEMENTS"):
        check_regional_elements({"FORMAT_REGIONAL_ELEMENTS": str(path)})
    with pytest.raises(RegionalElementsError, match="cannot read"):
        check_regional_elements({"FORMAT_REGIONAL_ELEMENTS": str(tmp_path / "missing.json")})


def test_no_setting_no_check():
    check_regional_elements({})
    check_regional_elements({"FORMAT_REGIONAL_ELEMENTS": None})


def test_parse_type():
    assert [regional.parse_type(t).describe() for t in ("T(10)", "N(2)", "N(5,2)", " N(5, 2) ", "D")] == [
        "T(10)", "N(2)", "N(5,2)", "N(5,2)", "D"
    ]  # fmt: skip


def test_edited_file_is_read_again(tmp_path):
    cfg = config_file(tmp_path, ENTRIES[:1])
    with app_with(FORMAT_REGIONAL_ELEMENTS=cfg).app_context():
        assert get_definition("H", "5.1").record.at("Z_SL/EVENING_TIME") is not None
        p = tmp_path / "regional.json"
        p.write_text(json.dumps([{**ENTRIES[0], "name": "EVENING_TIME2", "title": "другое"}]), encoding="utf-8")
        import os

        os.utime(p, ns=(1, 1))  # another file state even within the same clock tick
        d = get_definition("H", "5.1")
        assert d.record.at("Z_SL/EVENING_TIME2") is not None and d.record.at("Z_SL/EVENING_TIME") is None
    assert registry._regional_cache  # cached per file state
