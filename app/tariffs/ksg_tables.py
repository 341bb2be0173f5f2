"""Reader of the federal КСГ files (``oms import-ksg``) and the КСГ tables of the database as the
method sees them (:func:`load_tables`).

Files, recognised by their content (a wrong file is refused with the reason, :class:`KsgFileError`):

* ``КСГ26_КС.xlsx`` / ``КСГ26_ДС.xlsx`` — the КСГ model of a year (ФФОМС «Инструкция по
  группировке случаев»): sheet «КСГ» (№, КСГ, Наименование КСГ, КЗ, Код профиля, Профиль, Доля
  з/п и прочих расходов) and sheet «Группировщик» (№, Код по МКБ 10, (2), (3), Код услуги,
  Возраст, Пол, Длительность, Иной классификационный критерий, Диапазон фракций, КСГ, № группы);
  the conditions come from the codes (``st`` 1 круглосуточный, ``ds`` 2 дневной стационар), the
  year from the name (``КСГ26`` → 2026) unless given;
* ``*.txt`` lists of КСГ codes under a ``#`` title: МР Прил. 4 (хирургическое вмешательство или
  тромболитическая терапия), МР Прил. 5 (не применяется коэффициент уровня МО), ПГГ Прил. 8
  (оптимальная длительность лечения до 3 дней включительно);
* ``*.csv`` ``КСГ;КС_КСГ`` — the managerial coefficients of the tariff agreement (ТС Прил. 18).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterator, NamedTuple, Optional

from app.tariffs.ksg_method import KsgInfo, KsgTables

KSG_CODE = re.compile(r"\b((?:st|ds)\d{2}\.\d{3}(?:\.\d+)?)\b")
TABLE, INTERVENTION, WITHOUT_LEVEL, SHORT_OPTIMAL, KOEF_UP = (
    "table",
    "intervention",
    "without_level",
    "short_optimal",
    "koef_up",
)
KIND_LABELS = {
    TABLE: "таблица КСГ (список и группировщик)",
    INTERVENTION: "МР Прил. 4: КСГ с хирургическим вмешательством / тромболизисом",
    WITHOUT_LEVEL: "МР Прил. 5: КСГ без коэффициента уровня МО",
    SHORT_OPTIMAL: "ПГГ Прил. 8: КСГ с оптимальной длительностью до 3 дней",
    KOEF_UP: "ТС Прил. 18: КС_КСГ",
}
_LIST_TITLES = (
    (INTERVENTION, "хирургическ"),
    (WITHOUT_LEVEL, "коэффициент уровня"),
    (SHORT_OPTIMAL, "оптимальной длительност"),
)
EXTENSIONS = (".xlsx", ".txt", ".csv")
KSG_SHEET, GROUPER_SHEET = "КСГ", "Группировщик"


class KsgFileError(ValueError):
    pass


class KsgFile(NamedTuple):
    path: Path
    kind: str
    year: Optional[int]


def year_of(path: Path) -> Optional[int]:
    m = re.search(r"КСГ[_ ]?(\d{2})(?!\d)", path.stem, re.IGNORECASE) or re.search(r"(20\d{2})", path.stem)
    if not m:
        return None
    y = int(m.group(1))
    return 2000 + y if y < 100 else y


def detect(path: Path) -> KsgFile:
    """What the file is, by its content; :class:`KsgFileError` with the reason otherwise."""
    path = Path(path)
    if not path.is_file():
        raise KsgFileError(f"{path}: файл не найден")
    ext = path.suffix.lower()
    if ext == ".xlsx":
        try:
            from openpyxl import load_workbook

            wb = load_workbook(path, read_only=True)
        except Exception as exc:  # noqa: BLE001 - any reason the workbook does not open
            raise KsgFileError(f"{path.name}: не открывается как xlsx ({exc})") from exc
        try:
            sheets = set(wb.sheetnames)
        finally:
            wb.close()
        if not {KSG_SHEET, GROUPER_SHEET} <= sheets:
            raise KsgFileError(f"{path.name}: не таблица КСГ — нет листов «{KSG_SHEET}» и «{GROUPER_SHEET}»")
        return KsgFile(path, TABLE, year_of(path))
    if ext == ".txt":
        title = _first_line(path)
        low = title.lower()
        for kind, word in _LIST_TITLES:
            if title.startswith("#") and word in low:
                return KsgFile(path, kind, year_of(path))
        raise KsgFileError(
            f"{path.name}: не перечень КСГ — ожидается заголовок «# …» Прил. 4, 5 МР или Прил. 8 ПГГ, "
            f"а не «{title[:80]}»"
        )
    if ext == ".csv":
        title = _first_line(path).lstrip("#").replace(" ", "").upper()
        if title.startswith("КСГ") and "КС_КСГ" in title:
            return KsgFile(path, KOEF_UP, year_of(path))
        raise KsgFileError(f"{path.name}: не таблица КС_КСГ — ожидается заголовок «КСГ;КС_КСГ»")
    raise KsgFileError(f"{path.name}: неизвестный тип файла (ожидается .xlsx, .txt или .csv)")


def _first_line(path: Path) -> str:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            for line in fh:
                if line.strip():
                    return line.strip()
    except UnicodeDecodeError as exc:
        raise KsgFileError(f"{path.name}: файл не в кодировке UTF-8") from exc
    return ""


def _text(v, limit: int) -> Optional[str]:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = str(v).strip()
    return s[:limit] or None


def _decimal(v, places: str) -> Optional[Decimal]:
    if v is None or v == "":
        return None
    try:
        d = Decimal(str(v).strip().replace(",", "."))
    except InvalidOperation:
        return None
    return d.quantize(Decimal(places)) if d.is_finite() else None


def usl_ok_of(code: str) -> int:
    return 1 if code.startswith("st") else 2


def read_groups(path: Path) -> list[dict]:
    """Sheet «КСГ»: code, usl_ok, name, koef_z, kpg, kpg_name, wage_share (rows without a code
    or a КЗ are skipped)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        rows = wb[KSG_SHEET].iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(rows, ())]
        need = ("КСГ", "Наименование КСГ", "КЗ")
        if any(h not in header for h in need):
            raise KsgFileError(f"{Path(path).name}: на листе «{KSG_SHEET}» нет столбцов {', '.join(need)}")
        col = {h: i for i, h in enumerate(header)}
        out = []
        for r in rows:
            code = _text(r[col["КСГ"]], 10)
            kz = _decimal(r[col["КЗ"]], "0.00001")
            if not code or not KSG_CODE.fullmatch(code) or kz is None:
                continue
            profile = r[col["Код профиля"]] if "Код профиля" in col else None
            kpg = f"{code[:2]}{int(profile):02d}" if isinstance(profile, (int, float)) else None
            wage = col.get("Доля з/п и прочих расходов")
            out.append(
                {
                    "code": code,
                    "usl_ok": usl_ok_of(code),
                    "name": _text(r[col["Наименование КСГ"]], 500) or code,
                    "koef_z": kz,
                    "kpg": kpg,
                    "kpg_name": _text(r[col["Профиль"]], 250) if "Профиль" in col else None,
                    "wage_share": _decimal(r[wage], "0.0001") if wage is not None else None,
                }
            )
        return out
    finally:
        wb.close()


GROUPER_COLUMNS = (
    ("№", "row_no"),
    ("Код по МКБ 10", "ds1"),
    ("Код по МКБ 10(2)", "ds2"),
    ("Код по МКБ 10(3)", "ds3"),
    ("Код услуги", "service_code"),
    ("Возраст", "age_group"),
    ("Пол", "sex"),
    ("Длительность", "duration"),
    ("Иной классификационный критерий", "other"),
    ("Диапазон фракций", "fractions"),
    ("КСГ", "ksg_code"),
    ("№ группы заболеваний, состояний", "group_no"),
)
_LIMITS = {"ds1": 10, "ds2": 10, "ds3": 10, "service_code": 30, "age_group": 2, "sex": 1, "duration": 2}
_LIMITS.update({"other": 40, "fractions": 10, "ksg_code": 10})


def read_grouper(path: Path) -> Iterator[dict]:
    """Sheet «Группировщик», row by row (rows without a number or a КСГ are skipped)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        rows = wb[GROUPER_SHEET].iter_rows(values_only=True)
        header = [re.sub(r"\s+", " ", str(h or "")).strip() for h in next(rows, ())]
        col = {}
        for title, name in GROUPER_COLUMNS:
            if title not in header:
                raise KsgFileError(f"{Path(path).name}: на листе «{GROUPER_SHEET}» нет столбца «{title}»")
            col[name] = header.index(title)
        for r in rows:
            values = {name: r[i] if i < len(r) else None for name, i in col.items()}
            code = _text(values["ksg_code"], 10)
            if values["row_no"] is None or not code:
                continue
            row = {name: _text(v, _LIMITS[name]) for name, v in values.items() if name in _LIMITS}
            row["row_no"] = int(values["row_no"])
            row["group_no"] = int(values["group_no"]) if isinstance(values["group_no"], (int, float)) else None
            row["usl_ok"] = usl_ok_of(code)
            yield row
    finally:
        wb.close()


def read_codes(path: Path) -> list[str]:
    """The КСГ codes of a ``.txt`` list, in order, without repeats."""
    with open(path, encoding="utf-8-sig") as fh:
        text = "\n".join(line for line in fh if not line.lstrip().startswith("#"))
    return list(dict.fromkeys(KSG_CODE.findall(text)))


def read_koef_up(path: Path) -> dict[str, Decimal]:
    """``КСГ;КС_КСГ`` rows (a bad coefficient: :class:`KsgFileError` with the line)."""
    out: dict[str, Decimal] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for n, values in enumerate(csv.reader(fh, delimiter=";"), start=1):
            if not values or not values[0].strip() or values[0].lstrip().startswith("#"):
                continue
            code = values[0].strip()
            if not KSG_CODE.fullmatch(code):
                if n == 1:
                    continue  # a header without «#»
                raise KsgFileError(f"{Path(path).name}, строка {n}: «{code}» — не код КСГ")
            value = _decimal(values[1] if len(values) > 1 else None, "0.00001")
            if value is None or value <= 0:
                raise KsgFileError(f"{Path(path).name}, строка {n}: КС_КСГ «{values[1:2]}» — не положительное число")
            out[code] = value
    return out


def period(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def load_tables(session) -> KsgTables:
    """The КСГ tables of the database (the КСГ list and the КСГ ← DS1 pairs of the grouper)."""
    from sqlalchemy import select

    from app.models.ksg import KsgGroup, KsgGrouperRow

    groups = [
        KsgInfo(
            g.code,
            g.usl_ok,
            g.koef_z,
            g.kpg,
            g.wage_share,
            bool(g.with_intervention),
            bool(g.without_level),
            bool(g.short_optimal),
            g.koef_up,
            g.date_begin,
            g.date_end,
        )
        for g in session.execute(select(KsgGroup)).scalars()
    ]
    if not groups:
        return KsgTables()
    grouper = session.execute(
        select(KsgGrouperRow.ksg_code, KsgGrouperRow.ds1, KsgGrouperRow.date_begin, KsgGrouperRow.date_end).where(
            KsgGrouperRow.ds1.is_not(None)
        )
    ).all()
    return KsgTables.build(groups, grouper)
