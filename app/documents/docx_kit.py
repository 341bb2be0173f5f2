"""The DOCX toolkit of the renderers: an A4 document in Times New Roman, paragraphs, small
tables, requisites and signature blocks with python-docx — and big tables streamed as XML.

Why streaming: python-docx builds every row as lxml elements (``add_row`` is O(n) per call,
cell access is slow, and 100,000 rows of ten cells are millions of elements — gigabytes). A
big table is therefore added with :class:`StreamTable`: python-docx writes the table with its
header row and a marker comment in place of the body; :func:`save` serialises the small
skeleton, then copies the package into a new ZIP and, inside ``word/document.xml``, replaces
each marker with the rows a generator yields as ready-made ``w:tr`` text (from per-column
templates), written to the compressed ZIP entry in batches. Memory stays at the skeleton plus
one batch, whatever the row count. Texts that are known only after the rows (the totals of a
streamed table) are written as late tokens (:func:`token`) in the skeleton and filled in when
the part after the table is written.

Deterministic output: the core properties (author, dates, revision) are set from the input,
and the ZIP entries get a fixed timestamp (the document date), order, and attributes, so equal
input gives equal bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable, Iterable, Mapping, MutableMapping, Optional, Sequence, Union

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import etree

from app.core.formatting import NBSP

FONT = "Times New Roman"
LANG = "ru-RU"
BODY_PT = 12
TABLE_PT = 10
SMALL_PT = 8

# paragraph styles added to every document: names for python-docx, ids (the names without
# spaces) for the streamed XML
CELL_LEFT = "Table Cell"
CELL_CENTER = "Table Cell Center"
CELL_RIGHT = "Table Cell Right"
CELL_HEAD = "Table Head"
CAPTION = "Caption 8"
_ALIGN_STYLE = {"l": CELL_LEFT, "c": CELL_CENTER, "r": CELL_RIGHT}


def style_id(name: str) -> str:
    return name.replace(" ", "")


MARGINS_MM = {"left": 20, "right": 10, "top": 15, "bottom": 15}
SIGN_LINE = "_" * 18

_MARKER = re.compile(rb"<!--STREAM:(\w+)-->")
# a late token: private-use delimiters, which user texts never keep (see :func:`clean`)
_OPEN, _CLOSE = "\ue000", "\ue001"
_TOKEN = re.compile(_OPEN.encode("utf-8") + rb"(\w+)" + _CLOSE.encode("utf-8"))
_TOKEN_TEXT = re.compile(_OPEN + r"\w+" + _CLOSE)


def mm_to_twips(mm: float) -> int:
    return int(round(mm * 1440 / 25.4))


# -- the document ----------------------------------------------------------------------------
def new_document(*, landscape: bool = False):
    """An empty A4 document: Times New Roman 12 (Russian), single spacing, no space after
    paragraphs, margins 20/10/15/15 mm, and the table paragraph styles (10 pt)."""
    doc = Document()
    _set_defaults(doc)
    styles = doc.styles
    normal = styles["Normal"]
    _font(normal, BODY_PT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    for name, align, bold, size in (
        (CELL_LEFT, WD_ALIGN_PARAGRAPH.LEFT, False, TABLE_PT),
        (CELL_CENTER, WD_ALIGN_PARAGRAPH.CENTER, False, TABLE_PT),
        (CELL_RIGHT, WD_ALIGN_PARAGRAPH.RIGHT, False, TABLE_PT),
        (CELL_HEAD, WD_ALIGN_PARAGRAPH.CENTER, True, TABLE_PT),
        (CAPTION, WD_ALIGN_PARAGRAPH.CENTER, False, SMALL_PT),
    ):
        st = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        if st.style_id != style_id(name):  # the streamed rows refer to the id
            raise RuntimeError(f"style {name!r} got the id {st.style_id!r}")
        st.base_style = normal
        st.quick_style = False
        _font(st, size)
        st.font.bold = bold
        st.paragraph_format.alignment = align
        st.paragraph_format.space_after = Pt(0)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    section.left_margin = Mm(MARGINS_MM["left"])
    section.right_margin = Mm(MARGINS_MM["right"])
    section.top_margin = Mm(MARGINS_MM["top"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.header_distance = Mm(8)
    section.footer_distance = Mm(8)
    return doc


def text_width_mm(doc) -> float:
    s = doc.sections[0]
    return (s.page_width - s.left_margin - s.right_margin) / 36000


def _font(style, size: int) -> None:
    style.font.name = FONT
    style.font.size = Pt(size)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _set_defaults(doc) -> None:
    """docDefaults: Times New Roman (no theme fonts, which would win over the styles), 12 pt,
    Russian; no spacing after paragraphs. The theme font language → Russian too."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    fonts = rpr.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    for tag in ("w:sz", "w:szCs"):
        el = rpr.find(qn(tag))
        if el is not None:
            el.set(qn("w:val"), str(BODY_PT * 2))
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:val"), LANG)
        lang.set(qn("w:eastAsia"), LANG)
    spacing = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}/{qn('w:spacing')}")
    if spacing is not None:
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), "240")
    settings = doc.settings.element
    tfl = settings.find(qn("w:themeFontLang"))
    if tfl is not None:
        tfl.set(qn("w:val"), LANG)
        tfl.set(qn("w:eastAsia"), LANG)


# -- paragraphs ------------------------------------------------------------------------------
_CLEAN = {c: None for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}
_CLEAN.update({0xE000: None, 0xE001: None, 0xFFFE: None, 0xFFFF: None})


def _safe(text: str) -> str:
    """A piece of a paragraph: a late token as it is, any other text cleaned."""
    return text if _TOKEN_TEXT.fullmatch(text) else clean(text)


def clean(text) -> str:
    """A user text for python-docx: control characters (which XML cannot hold) dropped."""
    return "" if text is None else str(text).translate(_CLEAN)


@dataclass(frozen=True)
class B:
    """A bold piece of a paragraph: ``par(doc, B("Плательщик: "), name)``."""

    text: str


Piece = Union[str, B]

_ALIGN = {
    "l": WD_ALIGN_PARAGRAPH.LEFT,
    "c": WD_ALIGN_PARAGRAPH.CENTER,
    "r": WD_ALIGN_PARAGRAPH.RIGHT,
    "j": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


def par(
    container,
    *pieces: Piece,
    align: str = "l",
    bold: bool = False,
    size: Optional[int] = None,
    style: Optional[str] = None,
    before: float = 0,
    after: float = 0,
    keep_next: bool = False,
):
    """Add a paragraph of text pieces (``str`` plain, :class:`B` bold) to a document or cell."""
    p = container.add_paragraph(style=style)
    if align:
        p.alignment = _ALIGN[align]
    fmt = p.paragraph_format
    if before:
        fmt.space_before = Pt(before)
    if after:
        fmt.space_after = Pt(after)
    if keep_next:
        fmt.keep_with_next = True
    for piece in pieces:
        text = piece.text if isinstance(piece, B) else piece
        if text is None or text == "":
            continue
        run = p.add_run(_safe(str(text)))
        if bold or isinstance(piece, B):
            run.bold = True
        if size:
            run.font.size = Pt(size)
    return p


def title(doc, *lines: str) -> None:
    """The document title: centred bold lines, 6 pt of space after the last."""
    for i, line in enumerate(lines):
        par(doc, line, align="c", bold=True, after=6 if i == len(lines) - 1 else 0)


def requisites(doc, label: str, party, *, code_label: str = "Реестровый номер") -> None:
    """«Поставщик: name» and the lines of its requisites (empty ones are left out)."""
    par(doc, B(f"{label}: "), party.name or "—", before=4, keep_next=True)
    line = []
    if party.code:
        line.append(f"{code_label}: {party.code}")
    if party.inn or party.kpp:
        line.append(f"ИНН/КПП: {party.inn or '—'}/{party.kpp or '—'}")
    if party.ogrn:
        line.append(f"ОГРН: {party.ogrn}")
    if line:
        par(doc, "; ".join(line), keep_next=True)
    if party.address:
        par(doc, f"Адрес: {party.address}", keep_next=True)
    if party.bank_details:
        par(doc, f"Банковские реквизиты: {party.bank_details}")


def cell_text(cell, text: str, style: str = CELL_LEFT, bold: bool = False) -> None:
    """Put ``text`` into a python-docx cell (its one paragraph) with a table style."""
    p = cell.paragraphs[0]
    p.style = style
    if text is not None and text != "":
        run = p.add_run(_safe(str(text)))
        if bold:
            run.bold = True


def _fix_table(table, widths_mm: Sequence[float], *, center: bool = True) -> None:
    """Fixed layout, the grid and every existing cell width; the whole table width."""
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER if center else WD_TABLE_ALIGNMENT.LEFT
    tbl = table._tbl
    tblw = tbl.tblPr.find(qn("w:tblW"))
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(sum(mm_to_twips(w) for w in widths_mm)))
    for gc, w in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths_mm, strict=False):
        gc.set(qn("w:w"), str(mm_to_twips(w)))
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(w)


def _narrow_margins(table, twips: int = 57) -> None:
    """Cell margins left/right of 1 mm (the Table Grid style has 1.9 mm): wide tables."""
    tblpr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for side in ("w:left", "w:right"):
        el = OxmlElement(side)
        el.set(qn("w:w"), str(twips))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    look = tblpr.find(qn("w:tblLook"))
    if look is not None:
        look.addprevious(mar)
    else:
        tblpr.append(mar)


def mark_header_row(row) -> None:
    """Repeat the row on every page and keep it on one page."""
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))
    trpr.append(OxmlElement("w:tblHeader"))


def small_table(
    doc,
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    widths_mm: Sequence[float],
    aligns: str,
    *,
    bold_last: bool = False,
):
    """A bordered table built with python-docx (for a few dozen rows at most)."""
    rows = [list(r) for r in rows]
    table = doc.add_table(rows=1 + len(rows), cols=len(headers))
    table.style = doc.styles["Table Grid"]
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell_text(cell, text, CELL_HEAD)
    mark_header_row(table.rows[0])
    for i, values in enumerate(rows, start=1):
        bold = bold_last and i == len(rows)
        for cell, text, a in zip(table.rows[i].cells, values, aligns, strict=False):
            cell_text(cell, text, _ALIGN_STYLE[a], bold=bold)
    _fix_table(table, widths_mm)
    return table


# -- signature blocks ------------------------------------------------------------------------
def signatures(doc, heading: str, signers: Sequence[tuple], *, stamp: bool = False, date_line: bool = False) -> None:
    """A borderless block: the heading, then per signer ``(role, name[, note])`` «role ______
    / name /» with the captions «(подпись)» and «(расшифровка подписи)» under the line (and the
    note, e.g. a phone, under the role); «М.П.» and a date line if asked."""
    par(doc, B(heading), before=10, after=2, keep_next=True)
    widths = (62.0, 45.0, 72.0)
    table = doc.add_table(rows=2 * len(signers), cols=3)
    for i, signer in enumerate(signers):
        role, name = signer[0], signer[1]
        note = signer[2] if len(signer) > 2 else ""
        top, captions = table.rows[2 * i], table.rows[2 * i + 1]
        cell_text(top.cells[0], role, "Normal")
        cell_text(captions.cells[0], note, CAPTION)
        captions.cells[0].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.LEFT
        cell_text(top.cells[1], SIGN_LINE, "Normal")
        cell_text(top.cells[2], f"/ {name} /" if name else f"/ {SIGN_LINE} /", "Normal")
        cell_text(captions.cells[1], "(подпись)", CAPTION)
        cell_text(captions.cells[2], "(расшифровка подписи)", CAPTION)
        for row in (top, captions):
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell in top.cells:
            cell.paragraphs[0].paragraph_format.keep_with_next = True
    _fix_table(table, widths, center=False)
    if stamp or date_line:
        pieces = []
        if stamp:
            pieces.append("М.П.")
        if date_line:
            pieces.append("«___» ______________ 20___ г.")
        par(doc, "          ".join(pieces), before=4)


# -- streamed tables -------------------------------------------------------------------------
_ESCAPE = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord("\t"): " ", ord("\r"): ""}
_ESCAPE.update({c: None for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)})
_ESCAPE.update({0xE000: None, 0xE001: None, 0xFFFE: None, 0xFFFF: None})


_NEEDS_ESCAPE = re.compile("[&<>\x00-\x09\x0b-\x1f\ue000\ue001\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` for a ``w:t`` element: escaped, control characters dropped."""
    return text.translate(_ESCAPE) if _NEEDS_ESCAPE.search(text) else text


_DATES: dict = {}


def fast_date(value: Optional[dt.date]) -> str:
    """:func:`app.core.formatting.format_date` for the rows of big tables (cached per date)."""
    if value is None:
        return ""
    text = _DATES.get(value)
    if text is None:
        if len(_DATES) > 100_000:
            _DATES.clear()
        text = _DATES[value] = f"{value.day:02d}.{value.month:02d}.{value.year:04d}"
    return text


_CENT = Decimal("0.01")


def fast_money(value) -> str:
    """:func:`app.core.formatting.format_money` for the rows of big tables: «1 234,56»."""
    if value is None:
        return ""
    if not isinstance(value, Decimal) or value.as_tuple().exponent != -2:
        value = Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)
    if not value:
        return "0,00"
    return f"{value:,}".replace(",", NBSP).replace(".", ",")


@dataclass(frozen=True)
class Column:
    title: str
    width_mm: float
    align: str = "l"  # l, c, r


class StreamTable:
    """A table whose body rows are streamed by :func:`save` (see the module docstring).

    ``row(values)`` returns the ``w:tr`` text of one row; ``"\\n"`` in a value is a line break.
    """

    def __init__(self, doc, name: str, columns: Sequence[Column]):
        self.name = name
        self.columns = tuple(columns)
        table = doc.add_table(rows=1, cols=len(columns))
        table.style = doc.styles["Table Grid"]
        for cell, col in zip(table.rows[0].cells, columns, strict=True):
            cell_text(cell, col.title, CELL_HEAD)
        mark_header_row(table.rows[0])
        _fix_table(table, [c.width_mm for c in columns])
        _narrow_margins(table)
        table._tbl.append(etree.Comment(f"STREAM:{name}"))
        self.table = table
        self._open = []
        self._empty = []
        for c in columns:
            tcpr = f'<w:tcPr><w:tcW w:w="{mm_to_twips(c.width_mm)}" w:type="dxa"/></w:tcPr>'
            ppr = f'<w:pPr><w:pStyle w:val="{style_id(_ALIGN_STYLE[c.align])}"/></w:pPr>'
            self._open.append(f"<w:tc>{tcpr}<w:p>{ppr}<w:r><w:t xml:space=\"preserve\">")
            self._empty.append(f"<w:tc>{tcpr}<w:p>{ppr}</w:p></w:tc>")

    _CLOSE = "</w:t></w:r></w:p></w:tc>"
    _BREAK = '</w:t><w:br/><w:t xml:space="preserve">'

    def row(self, values: Sequence[str]) -> str:
        parts = ["<w:tr><w:trPr><w:cantSplit/></w:trPr>"]
        append = parts.append
        for i, v in enumerate(values):
            if not v:
                append(self._empty[i])
                continue
            if v.__class__ is not str:
                v = str(v)
            t = v.translate(_ESCAPE) if _NEEDS_ESCAPE.search(v) else v
            if "\n" in t:
                t = t.replace("\n", self._BREAK)
            append(self._open[i])
            append(t)
            append(self._CLOSE)
        append("</w:tr>")
        return "".join(parts)

    def total_row(self, label: str, span: int, values: Sequence[str]) -> str:
        """A bold row: ``label`` over the first ``span`` columns, then ``values`` (one per
        remaining column)."""
        width = sum(mm_to_twips(c.width_mm) for c in self.columns[:span])
        parts = [
            "<w:tr><w:trPr><w:cantSplit/></w:trPr>",
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:gridSpan w:val="{span}"/></w:tcPr>'
            f'<w:p><w:pPr><w:pStyle w:val="{style_id(CELL_LEFT)}"/></w:pPr>'
            f'<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{xml_text(label)}</w:t></w:r></w:p></w:tc>',
        ]
        for c, v in zip(self.columns[span:], values, strict=False):
            ppr = f'<w:pPr><w:pStyle w:val="{style_id(_ALIGN_STYLE[c.align])}"/></w:pPr>'
            run = f'<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{xml_text(v)}</w:t></w:r>' if v else ""
            parts.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{mm_to_twips(c.width_mm)}" w:type="dxa"/></w:tcPr>'
                f"<w:p>{ppr}{run}</w:p></w:tc>"
            )
        parts.append("</w:tr>")
        return "".join(parts)


# -- saving ----------------------------------------------------------------------------------
BATCH_ROWS = 2000


def _zip_time(when: dt.date) -> tuple:
    d = when if isinstance(when, dt.date) else dt.date(1980, 1, 1)
    if d.year < 1980:
        d = dt.date(1980, 1, 1)
    return (d.year, d.month, d.day, 0, 0, 0)


def _info(name: str, date_time: tuple) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 0
    info.external_attr = 0
    return info


def set_core(doc, *, title_text: str, author: str, when: dt.date, subject: str = "") -> None:
    """Core properties that depend on the input only (no clock, no «python-docx»)."""
    cp = doc.core_properties
    moment = dt.datetime(when.year, when.month, when.day)
    cp.author = author
    cp.last_modified_by = author
    cp.title = title_text
    cp.subject = subject
    cp.comments = ""
    cp.keywords = ""
    cp.category = ""
    cp.revision = 1
    cp.created = moment
    cp.modified = moment
    cp.language = LANG


def save(
    doc,
    *,
    when: dt.date,
    streams: Optional[Mapping[str, Callable[[], Iterable[str]]]] = None,
    late: Optional[MutableMapping[str, str]] = None,
) -> bytes:
    """The DOCX bytes: the skeleton's parts in a deterministic ZIP, each ``STREAM:name`` marker
    of ``word/document.xml`` replaced by the rows ``streams[name]()`` yields, and every
    late tokens (:func:`token`) replaced by ``late[token]`` (escaped) — ``late`` may be filled by the stream
    generators, since a token is resolved only when the text after them is written."""
    streams = dict(streams or {})
    late = late if late is not None else {}
    skeleton = io.BytesIO()
    doc.save(skeleton)
    stamp = _zip_time(when)
    out = io.BytesIO()
    with zipfile.ZipFile(skeleton) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            info = _info(item.filename, stamp)
            if item.filename != "word/document.xml":
                zout.writestr(info, data)
                continue
            with zout.open(info, "w") as fh:
                _write_document(fh, data, streams, late)
    if streams:
        raise ValueError(f"no marker for the streamed tables {sorted(streams)}")
    return out.getvalue()


def _write_document(fh, data: bytes, streams: dict, late: MutableMapping[str, str]) -> None:
    pos = 0
    for m in _MARKER.finditer(data):
        fh.write(_fill(data[pos : m.start()], late))
        name = m.group(1).decode("ascii")
        produce = streams.pop(name)
        batch: list[str] = []
        for row in produce():
            batch.append(row)
            if len(batch) >= BATCH_ROWS:
                fh.write("".join(batch).encode("utf-8"))
                batch.clear()
        if batch:
            fh.write("".join(batch).encode("utf-8"))
        pos = m.end()
    fh.write(_fill(data[pos:], late))


def _fill(chunk: bytes, late: Mapping[str, str]) -> bytes:
    if _OPEN.encode("utf-8") not in chunk:
        return chunk
    return _TOKEN.sub(lambda m: xml_text(late[m.group(1).decode("ascii")]).encode("utf-8"), chunk)


def token(name: str) -> str:
    """The placeholder of a text known only after a streamed table (see :func:`save`)."""
    return _OPEN + name + _CLOSE


def dates_span(d1: Optional[dt.date], d2: Optional[dt.date]) -> str:
    """«01.10.2026–» and «05.10.2026» on two lines (one date when both are equal)."""
    a, b = fast_date(d1), fast_date(d2)
    if not a or not b or a == b:
        return a or b
    return f"{a}–\n{b}"
