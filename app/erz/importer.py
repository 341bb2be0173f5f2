"""``oms import-erz FILE``: the register of the insured from a CSV or an XML file, streamed.

Both forms carry the same fields (README «ЕРЗ»).  Rows are read one by one and written in batches
(``BATCH`` persons): one upsert of the persons keyed by ЕНП, one query for their ids, one upsert of
the policies keyed by (person, type, series, number, start).  Nothing but the current batch is
held in memory, and a second import of the same file changes nothing (idempotent): persons and
policies are updated in place, never duplicated.  Policies absent from a later file are kept.

CSV: UTF-8 (a BOM is fine; ``--encoding cp1251`` for Excel exports), ``;`` or ``,`` as separator,
a header row with the field names in any order and case; one row per policy (the person's fields
repeated), or a row without policy fields for a person alone.

XML (streamed with ``iterparse``; no DTD, no entities, no network)::

    <ERZ>
      <PERSON>
        <ENP>9812345678901234</ENP><FAM>…</FAM><IM>…</IM><OT>…</OT><W>1</W><DR>1980-05-17</DR>
        <SNILS>123-456-789 01</SNILS><DOCTYPE>14</DOCTYPE><DOCSER>98 01</DOCSER><DOCNUM>123456</DOCNUM>
        <DDEATH/>
        <POLICY><VPOLIS>3</VPOLIS><SPOLIS/><NPOLIS>9812345678901234</NPOLIS><SMO>14001</SMO>
                <OKATO>98000</OKATO><DBEG>2020-01-01</DBEG><DEND/></POLICY>
        …more POLICY…
      </PERSON>
    </ERZ>
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Optional

from lxml import etree
from sqlalchemy import select

from app.erz import normalize as norm
from app.extensions import db
from app.models.base import utcnow
from app.models.erz import ErzPerson, ErzPolicy

BATCH = 5000
PERSON_FIELDS = ("ENP", "FAM", "IM", "OT", "W", "DR", "SNILS", "DOCTYPE", "DOCSER", "DOCNUM", "DDEATH")
POLICY_FIELDS = ("VPOLIS", "SPOLIS", "NPOLIS", "SMO", "OKATO", "DBEG", "DEND")
FIELDS = PERSON_FIELDS + POLICY_FIELDS
MAX_ERRORS = 100


class ErzImportError(ValueError):
    """The file cannot be read at all (the message is for the user)."""


@dataclass
class ImportResult:
    rows: int = 0
    persons: int = 0
    policies: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "persons": self.persons,
            "policies": self.policies,
            "rejected": self.rejected,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
        }


# -- records ----------------------------------------------------------------------------------------
@dataclass
class Record:
    """One person with the policies of one row / one PERSON element, validated."""

    person: dict
    policies: list[dict]


def _text(raw: dict, name: str, width: int) -> Optional[str]:
    value = raw.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value[:width] if value else None


def _int(raw: dict, name: str, allowed: Iterable[int]) -> Optional[int]:
    value = _text(raw, name, 4)
    if value is None:
        return None
    number = int(value)
    if number not in allowed:
        raise ValueError(f"{name}: недопустимое значение {value}")
    return number


def _date(raw: dict, name: str) -> Optional[dt.date]:
    try:
        return norm.parse_date(raw.get(name))
    except (ValueError, TypeError):
        raise ValueError(f"{name}: дата «{raw.get(name)}» не в формате ГГГГ-ММ-ДД или ДД.ММ.ГГГГ") from None


def make_record(person: dict, policies: list[dict]) -> Record:
    """Validate raw field values (upper-case names of README «ЕРЗ»); raises ValueError."""
    enp = norm.enp(person.get("ENP"))
    if enp is None:
        raise ValueError(f"ENP: нужен единый номер полиса из 16 цифр, указано «{person.get('ENP') or ''}»")
    fam, im, ot = _text(person, "FAM", 40), _text(person, "IM", 40), _text(person, "OT", 40)
    row = {
        "enp": enp,
        "fam": fam,
        "im": im,
        "ot": ot,
        "name_key": norm.name_key(fam, im, ot),
        "w": _int(person, "W", (1, 2)),
        "dr": _date(person, "DR"),
        "snils": norm.snils_digits(person.get("SNILS")),
        "doctype": _text(person, "DOCTYPE", 2),
        "docser": _text(person, "DOCSER", 10),
        "docnum": _text(person, "DOCNUM", 20),
        "death_date": _date(person, "DDEATH"),
    }
    if person.get("SNILS") and row["snils"] is None:
        raise ValueError(f"SNILS: «{person.get('SNILS')}» — нужно 11 цифр")
    out = []
    for raw in policies:
        if not any(_text(raw, f, 40) for f in POLICY_FIELDS):
            continue
        vpolis = _int(raw, "VPOLIS", (1, 2, 3)) or 3
        number = norm.number(raw.get("NPOLIS")) or (enp if vpolis == 3 else "")
        if not number:
            raise ValueError("NPOLIS: не указан номер полиса")
        begin = _date(raw, "DBEG")
        if begin is None:
            raise ValueError("DBEG: не указана дата начала действия полиса")
        end = _date(raw, "DEND")
        if end is not None and end < begin:
            raise ValueError(f"DEND {end:%d.%m.%Y} раньше DBEG {begin:%d.%m.%Y}")
        out.append(
            {
                "policy_type": vpolis,
                "series": norm.series(raw.get("SPOLIS"))[:10],
                "number": number[:20],
                "smo_code": _text(raw, "SMO", 5),
                "okato": _text(raw, "OKATO", 5),
                "date_begin": begin,
                "date_end": end,
            }
        )
    return Record(row, out)


# -- readers: (line or element number, raw person, raw policies) -------------------------------------
def read_csv(path: Path, encoding: str = "utf-8-sig") -> Iterator[tuple[int, dict, list[dict]]]:
    with open(path, "r", encoding=encoding, newline="") as fh:
        first = fh.readline()
        if not first.strip():
            raise ErzImportError("Файл пуст: нет строки заголовка")
        delimiter = ";" if first.count(";") >= first.count(",") else ","
        header = [h.strip().upper() for h in next(csv.reader([first], delimiter=delimiter))]
        unknown = [h for h in header if h and h not in FIELDS]
        if "ENP" not in header:
            raise ErzImportError("В заголовке нет поля ENP")
        if unknown:
            raise ErzImportError(f"Неизвестные поля в заголовке: {', '.join(unknown)}")
        for n, values in enumerate(csv.reader(fh, delimiter=delimiter), start=2):
            if not any(v.strip() for v in values):
                continue
            raw = dict(zip(header, values, strict=False))
            yield n, raw, [raw]


_PARSER_OPTS = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def read_xml(path: Path) -> Iterator[tuple[int, dict, list[dict]]]:
    try:
        for _event, el in etree.iterparse(str(path), events=("end",), tag="PERSON", **_PARSER_OPTS):
            person = {c.tag.upper(): (c.text or "") for c in el if isinstance(c.tag, str) and c.tag != "POLICY"}
            policies = [
                {c.tag.upper(): (c.text or "") for c in p if isinstance(c.tag, str)} for p in el.iterfind("POLICY")
            ]
            yield el.sourceline or 0, person, policies
            el.clear()
            while el.getprevious() is not None:
                del el.getparent()[0]
    except etree.XMLSyntaxError as exc:
        raise ErzImportError(f"XML-файл поврежден: {exc}") from exc


def detect_format(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(512).lstrip(b"\xef\xbb\xbf").lstrip()
    return "xml" if head.startswith(b"<") else "csv"


# -- writing --------------------------------------------------------------------------------------------
def _insert(model):
    name = db.engine.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the project runs on PostgreSQL and SQLite
        raise NotImplementedError(f"upsert for {name}")
    return insert(model.__table__)


def upsert(model, rows: list[dict], keys: tuple[str, ...], update: tuple[str, ...]) -> None:
    if not rows:
        return
    stmt = _insert(model)
    stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_={c: getattr(stmt.excluded, c) for c in update})
    db.session.execute(stmt, rows)


_PERSON_UPDATE = (
    "fam",
    "im",
    "ot",
    "name_key",
    "w",
    "dr",
    "snils",
    "doctype",
    "docser",
    "docnum",
    "death_date",
    "updated_at",
)
_POLICY_KEY = ("person_id", "policy_type", "series", "number", "date_begin")
_POLICY_UPDATE = ("smo_code", "okato", "date_end")


def _collect(records: list[Record]) -> tuple[dict[str, dict], dict[tuple, dict]]:
    """Persons by ЕНП (the last row of a person wins) and policies by their key, for one batch."""
    persons: dict[str, dict] = {}
    policies: dict[tuple, dict] = {}
    now = utcnow()
    for r in records:
        persons[r.person["enp"]] = dict(r.person, updated_at=now)
        for p in r.policies:
            row = dict(p, enp=r.person["enp"])
            policies[(row["enp"], row["policy_type"], row["series"], row["number"], row["date_begin"])] = row
    return persons, policies


def write_batch(records: list[Record]) -> tuple[int, int]:
    """Upsert one batch; returns (persons, policies) written."""
    persons, policies = _collect(records)
    if db.session.get_bind().dialect.name == "postgresql":
        _write_batch_copy(persons, policies)
    else:
        upsert(ErzPerson, list(persons.values()), ("enp",), _PERSON_UPDATE)
        ids = dict(db.session.execute(select(ErzPerson.enp, ErzPerson.id).where(ErzPerson.enp.in_(persons))).all())
        rows = []
        for p in policies.values():
            row = {k: v for k, v in p.items() if k != "enp"}
            row["person_id"] = ids[p["enp"]]
            rows.append(row)
        upsert(ErzPolicy, rows, _POLICY_KEY, _POLICY_UPDATE)
    db.session.commit()
    return len(persons), len(policies)


_PERSON_COLS = ("enp",) + _PERSON_UPDATE
_POLICY_COLS = ("enp", "policy_type", "series", "number", "smo_code", "okato", "date_begin", "date_end")
_STAGE_SQL = """
CREATE TEMP TABLE IF NOT EXISTS erz_stage_person (
    enp varchar(16), fam varchar(40), im varchar(40), ot varchar(40), name_key varchar(124), w int,
    dr date, snils varchar(11), doctype varchar(2), docser varchar(10), docnum varchar(20),
    death_date date, updated_at timestamp) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS erz_stage_policy (
    enp varchar(16), policy_type int, series varchar(10), number varchar(20), smo_code varchar(5),
    okato varchar(5), date_begin date, date_end date) ON COMMIT DELETE ROWS;
"""


def _write_batch_copy(persons: dict[str, dict], policies: dict[tuple, dict]) -> None:
    """PostgreSQL: COPY the batch into temporary tables, then one INSERT … ON CONFLICT per table
    (rows that did not change are not rewritten)."""
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(_STAGE_SQL)
        with cur.copy(f"COPY erz_stage_person ({', '.join(_PERSON_COLS)}) FROM STDIN") as copy:
            for p in persons.values():
                copy.write_row(tuple(p[c] for c in _PERSON_COLS))
        changed = " OR ".join(f"erz_person.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in _PERSON_UPDATE[:-1])
        cur.execute(
            f"INSERT INTO erz_person ({', '.join(_PERSON_COLS)}) "
            f"SELECT {', '.join(_PERSON_COLS)} FROM erz_stage_person "
            f"ON CONFLICT (enp) DO UPDATE SET "
            + ", ".join(f"{c} = EXCLUDED.{c}" for c in _PERSON_UPDATE)
            + f" WHERE {changed}"
        )
        with cur.copy(f"COPY erz_stage_policy ({', '.join(_POLICY_COLS)}) FROM STDIN") as copy:
            for p in policies.values():
                copy.write_row(tuple(p[c] for c in _POLICY_COLS))
        cols = _POLICY_COLS[1:]
        changed = " OR ".join(f"erz_policy.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in _POLICY_UPDATE)
        cur.execute(
            f"INSERT INTO erz_policy (person_id, {', '.join(cols)}) "
            f"SELECT p.id, {', '.join('s.' + c for c in cols)} FROM erz_stage_policy s "
            f"JOIN erz_person p ON p.enp = s.enp "
            f"ON CONFLICT ({', '.join(_POLICY_KEY)}) DO UPDATE SET "
            + ", ".join(f"{c} = EXCLUDED.{c}" for c in _POLICY_UPDATE)
            + f" WHERE {changed}"
        )


def import_records(items: Iterable[tuple[int, dict, list[dict]]], batch: int = BATCH) -> ImportResult:
    """Validate and write raw records (as yielded by :func:`read_csv` / :func:`read_xml`)."""
    started = time.perf_counter()
    result = ImportResult()
    pending: list[Record] = []
    for where, person, raw_policies in items:
        result.rows += 1
        try:
            pending.append(make_record(person, raw_policies))
        except (ValueError, TypeError) as exc:
            result.rejected += 1
            if len(result.errors) < MAX_ERRORS:
                result.errors.append(f"строка {where}: {exc}")
            continue
        if len(pending) >= batch:
            p, q = write_batch(pending)
            result.persons += p
            result.policies += q
            pending = []
    if pending:
        p, q = write_batch(pending)
        result.persons += p
        result.policies += q
    result.seconds = time.perf_counter() - started
    return result


def import_file(path: Path, fmt: Optional[str] = None, encoding: str = "utf-8-sig") -> ImportResult:
    path = Path(path)
    fmt = (fmt or detect_format(path)).lower()
    if fmt == "xml":
        items = read_xml(path)
    elif fmt == "csv":
        items = read_csv(path, encoding)
    else:
        raise ErzImportError(f"Неизвестный формат {fmt}: нужен csv или xml")
    try:
        return import_records(items)
    except UnicodeDecodeError as exc:
        db.session.rollback()
        raise ErzImportError(f"Файл не в кодировке {encoding}: {exc.reason}") from exc


def write_csv_header() -> str:
    return ";".join(FIELDS)


def records_to_csv(records: Iterable[tuple[dict, list[dict]]]) -> Iterator[str]:
    """CSV lines (header first) of raw records — the demo and the benchmark write files with it."""
    yield write_csv_header() + "\n"
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\n")
    for person, policies in records:
        for pol in policies or [{}]:
            writer.writerow([person.get(f, "") if f in PERSON_FIELDS else pol.get(f, "") for f in FIELDS])
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
