"""The charts of «Аналитика» are well-formed SVG drawn from the numbers given: a bar per value as
long as its share of the largest, a point per month with a value, Russian labels, every text
escaped (a rule's text or a name can hold anything), and a plain message where there is nothing."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from app.services.analytics import svg

NS = {"s": "http://www.w3.org/2000/svg"}


def _parse(markup: str):
    return etree.fromstring(markup.encode())


def test_bars_are_as_long_as_their_share_of_the_largest():
    chart = svg.bar_chart(
        [svg.Bar("003K.00.0420", Decimal("4600.00")), svg.Bar("002F.00.0130", Decimal("1150.00")), svg.Bar("0", 0)],
        title="Главные причины потерь",
    )
    root = _parse(chart)
    bars = [float(r.get("width")) for r in root.iterfind(".//s:rect", NS)]
    assert len(bars) == 3 and bars[2] == 0
    assert abs(bars[0] / bars[1] - 4.0) < 0.01
    texts = [t.text for t in root.iterfind(".//s:text", NS)]
    assert "Главные причины потерь" in texts and "4\u00a0600,00" in texts and "1\u00a0150,00" in texts
    assert root.get("viewBox").startswith("0 0 ") and root.get("width") == "100%"


def test_every_text_is_escaped():
    evil = '<script>alert("x")</script> & «код»'
    chart = svg.bar_chart([svg.Bar(evil, 10, tooltip=evil)], title=evil)
    assert "<script" not in chart and "&lt;script&gt;" in chart
    root = _parse(chart)  # still well-formed
    assert evil[:20] in root.findtext("s:title", namespaces=NS)
    line = svg.line_chart(["10.2025"], [svg.Series(evil, [Decimal("5")])], title=evil)
    assert "<script" not in line
    _parse(line)


def test_a_line_has_a_point_per_month_with_a_value_and_a_legend():
    months = ["08.2025", "09.2025", "10.2025"]
    chart = svg.line_chart(
        months,
        [
            svg.Series("ФЛК", [None, Decimal("1000.00"), Decimal("2500.50")], svg.COLOURS[0]),
            svg.Series("МЭК", [Decimal("0"), Decimal("0"), Decimal("0")], svg.COLOURS[1]),
        ],
        title="Снято за 12 месяцев, руб.",
    )
    root = _parse(chart)
    points = root.findall(".//s:circle", NS)
    assert len(points) == 5  # the month without a value has no point
    tips = [p.findtext("s:title", namespaces=NS) for p in points]
    assert "ФЛК, 10.2025: 2\u00a0500,50" in tips
    assert len(root.findall(".//s:polyline", NS)) == 2
    texts = {t.text for t in root.iterfind(".//s:text", NS)}
    assert set(months) <= texts and {"ФЛК", "МЭК"} <= texts
    # the highest point is the largest value: the axis goes past it, from 0
    ys = {p.findtext("s:title", namespaces=NS): float(p.get("cy")) for p in points}
    assert ys["ФЛК, 10.2025: 2\u00a0500,50"] < ys["ФЛК, 09.2025: 1\u00a0000,00"] < ys["МЭК, 09.2025: 0,00"]


def test_nothing_to_draw_says_so():
    for chart in (
        svg.bar_chart([], title="Пусто"),
        svg.line_chart(["10.2025"], [svg.Series("ФЛК", [None])], title="Пусто"),
    ):
        assert svg.NO_DATA in chart
        _parse(chart)


def test_axis_numbers_read_russian():
    assert svg.compact(Decimal("1500000")) == "1,5 млн"
    assert svg.compact(Decimal("250000")) == "250 тыс."
    assert svg.compact(1000) == "1 тыс."
    assert svg.compact(12) == "12"
    assert svg.compact(Decimal("2500000000")) == "2,5 млрд"
    assert svg.nice_scale(0) == (1.0, 4.0)
    assert svg.nice_scale(4600) == (2000, 6000)
    assert svg.nice_scale(3) == (1.0, 3.0)
