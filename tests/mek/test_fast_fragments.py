"""The fast reader of stored ZAP fragments gives the same tree as lxml for every demo record and
falls back to lxml on anything outside the closed form ``to_xml`` writes."""

from __future__ import annotations

import datetime as dt
import random

from app.demo.files import INJECTIONS, plan_cases, zap_node
from app.formats.fast_fragments import parse_fragment
from app.formats.fragments import from_xml, to_xml
from app.formats.record import Node


def same(a: Node, b: Node) -> bool:
    return (a.tag, a.text, len(a.children)) == (b.tag, b.text, len(b.children)) and all(
        same(x, y) for x, y in zip(a.children, b.children, strict=True)
    )


def test_same_tree_as_lxml_for_demo_records():
    specs = plan_cases(300, random.Random(3), 2026, 10, dt.date(2026, 11, 20), 200, 0.5, sorted(INJECTIONS))
    for s in specs:
        text = to_xml(zap_node(s, "140001", "140011"))
        assert same(parse_fragment(text), from_xml(text))


def test_escapes_and_empty_elements():
    node = Node("ZAP", children=[Node("A", "x < y & z > 0"), Node("B"), Node("C", children=[Node("D", " 1 ")])])
    text = to_xml(node)
    assert same(parse_fragment(text), from_xml(text))
    assert parse_fragment(text).child("A").text == "x < y & z > 0"


def test_anything_else_goes_to_lxml():
    for text in ('<A x="1">t</A>', "<?xml version='1.0'?><A>t</A>", "<A><!-- c --><B>1</B></A>"):
        assert same(parse_fragment(text), from_xml(text))
    import pytest
    from lxml import etree

    with pytest.raises(etree.XMLSyntaxError):  # a broken fragment is not silently accepted
        parse_fragment("<A><B>1</C></A>")


def same_with_lines(a: Node, b: Node) -> bool:
    return (a.tag, a.text, a.line, len(a.children)) == (b.tag, b.text, b.line, len(b.children)) and all(
        same_with_lines(x, y) for x, y in zip(a.children, b.children, strict=True)
    )


def test_with_lines_the_tree_of_lxml_line_numbers_included():
    """``lines=True`` (the stored PERS the ФЛК checks with the case): every node on line 1 as lxml
    gives it for a fragment on one line; a text with a line break goes to lxml itself."""
    person = Node(
        "PERS", children=[Node("ID_PAC", "P1"), Node("FAM", "Иванов & сын"), Node("OT"), Node("DR", "1980-05-17")]
    )
    for node in (
        person,
        Node("PERS", children=[Node("FAM", "две\nстроки"), Node("IM", "Петр")]),
        Node("PERS", children=[Node("FAM", "a\rb")]),
    ):
        text = to_xml(node)
        assert same_with_lines(parse_fragment(text, lines=True), from_xml(text))
    assert parse_fragment(to_xml(person)).line is None  # without: no lines, as before
