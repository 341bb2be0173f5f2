"""A table as an XLSX workbook (openpyxl, write-only): a title line and notes above a bold header
row, the header frozen, an autofilter over the table, column widths from the contents.

Cells keep their types: a date or a date-time is an Excel date, a ``Decimal`` a number with the
money format, an int or a float a number; every text is a text cell (never a formula, whatever it
starts with).  What the values look like otherwise (Да/Нет, names, «—») is the caller's choice."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

MONEY_FORMAT = "#,##0.00"  # stored in the invariant notation: a Russian Excel shows «1 234,56»
DATE_FORMAT = "DD.MM.YYYY"
DATETIME_FORMAT = "DD.MM.YYYY HH:MM:SS"
MIN_WIDTH, MAX_WIDTH = 6, 60
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(text: str) -> str:
    """A valid sheet name (at most 31 characters, none of ``[]:*?/\\``)."""
    return (_SHEET_FORBIDDEN.sub(" ", text or "").strip() or "Лист")[:31]


def cell_value(value):
    """The value openpyxl writes: types kept, an aware date-time made naive (Excel has no zones),
    anything else as its text (illegal control characters removed)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone().replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, dt.date):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 19
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}")
    return max((len(line) for line in str(value).splitlines()), default=0)


def _cell(ws, value, font=None):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=cell_value(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"  # never a formula
    elif isinstance(value, dt.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, Decimal):
        cell.number_format = MONEY_FORMAT
    if font is not None:
        cell.font = font
    return cell


def table_workbook(
    title: str,
    notes: Sequence[str],
    headers: Sequence[str],
    rows: Iterable[Sequence],
    sheet: str | None = None,
) -> bytes:
    """The XLSX file of one sheet: ``title`` (bold) and each of ``notes`` on a line of their own,
    an empty line, then the table — ``headers`` in bold, frozen, with an autofilter — and ``rows``;
    the column widths from the first rows."""
    rows = [list(r) for r in rows]
    widths = [max(MIN_WIDTH, len(str(h))) for h in headers]
    for row in rows[:2000]:  # widths from the first rows: enough to judge, cheap for 100 000
        for i, value in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], _width(value))
    out = io.BytesIO()
    write_table(out, headers, rows, widths=[w + 2 for w in widths], title=title, notes=notes, sheet=sheet or title)
    return out.getvalue()


def write_table(
    target,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    widths: Sequence[int],
    title: str | None = None,
    notes: Sequence[str] = (),
    sheet: str = "Лист",
) -> int:
    """Stream a table into ``target`` (a path or a binary file): a title and notes above it when
    given, the header bold and frozen, an autofilter over the rows; returns the number of rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title(sheet))
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, w)
    header_row = len(notes) + 3 if title is not None else 1  # title, notes, an empty line
    ws.freeze_panes = f"A{header_row + 1}"
    if title is not None:
        ws.append([_cell(ws, title, Font(bold=True, size=12))])
        for note in notes:
            ws.append([_cell(ws, note)])
        ws.append([])
    bold = Font(bold=True)
    ws.append([_cell(ws, h, bold) for h in headers])
    count = 0
    for row in rows:
        ws.append([_cell(ws, v) for v in row])
        count += 1
    # write-only: the filter's range is written when the sheet closes, so it can follow the rows
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(max(1, len(headers)))}{header_row + count}"
    wb.save(target)
    return count
