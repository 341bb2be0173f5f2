"""The registry file for the payer: the H-type file and its L file in the federal format, zipped.

    pair = write_registry_pair(outdir, file_type="H", mo_code="140001", payer_kind="S",
                               payer_code="14001", year=2026, month=10, number=1,
                               nschet="101", dschet=date(2026, 11, 3),
                               cases=((c.zap_xml, c.pers_xml) for c in rows))
    h_path, l_path, zip_path = pair        # and pair.name, pair.cases, pair.summav, pair.sha256

Names: ``<type>M<МО><Pp><payer>_<YY><MM><N>`` with ``Pp`` = ``S`` and the СМО code, or ``T``
and the region code of the ТФОМС (e.g. ``HM140001T14_26101`` for «Иногородние»); the L file has
the same name with ``L``; both XML files go into ``<H name>.zip``.

What is written (the federal format, Q015):

* ``ZGLV``: VERSION (the one of the registry's period, given by the caller; 3.2 by default), DATA,
  FILENAME = the H name, ``SD_Z`` = the number of ZAP;
* ``SCHET``: CODE (default: the package number), CODE_MO (default: ``mo_code``), YEAR, MONTH,
  NSCHET, DSCHET, PLAT (only when the payer is an СМО: its code — 003F.00.0010, 006F.00.0050),
  ``SUMMAV`` = Σ Z_SL/SUMV of the written cases (006F.00.1040), COMENTS and DISP if given;
* each ZAP as stored, with ``N_ZAP`` renumbered 1..n in the given order, and, when the payer is
  an СМО, ``PACIENT/SMO`` set to PLAT (Q015 003F.00.0120 / 006F.00.0220); with
  ``renumber_ids=True`` also ``IDCASE`` = N_ZAP and every repeated ``SL_ID`` replaced (cases of
  several uploaded files may repeat them; otherwise a repeat is an error, since the file would
  fail ФЛК 002F.14.0050/0060);
* the L file: ``ZGLV`` with FILENAME = the L name and ``FILENAME1`` = the H name, and each
  person once (by ID_PAC), in the order of first use. Two different PERS fragments with the same
  ID_PAC (persons of different uploaded files) are kept apart: the later one gets a new,
  deterministic ID_PAC (a UUID from the old ID_PAC and the PERS content) in its PERS and in the
  ZAP that use it.

How it streams: the cases are read once, one at a time, and only the ID_PAC/IDCASE/SL_ID sets
stay in memory (about 100 bytes per case). The headers (``ZGLV``, ``SCHET`` — whose SD_Z and
SUMMAV are known only at the end) are written by the project's writer
(:func:`app.formats.writer.write_file`); the records go to body files while the cases pass, and
each file is the writer's header output with the body joined in before the closing root tag.
The records themselves are not rebuilt through :class:`~app.formats.record.Node` trees and the
writer's element builder: measured on 10,000 demo cases that costs 0.4 ms per case (40 s for a
registry of 100,000 — most of the 60 s the documents of a registry may take); instead each stored
fragment is parsed by lxml (no network, no entities), its few changed values are set in place,
its element names and order are checked against the format definition (an unknown element raises
:class:`RegistryFileError`, children out of order are sorted as the writer would), and it is
serialised with the same ``etree.xmlfile`` settings as the writer (pretty-printed, windows-1251,
characters outside it as references) — about 0.1 ms per case.

The ZIP is deterministic (fixed entry order, timestamps from ZGLV/DATA), so equal input gives an
equal SHA-256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable, Iterator, Optional, Union

from lxml import etree

from app.formats.definitions import get_definition
from app.formats.definitions.dsl import Element, FormatDefinition
from app.formats.names import FileNameError, build_file_name
from app.formats.record import Node
from app.formats.writer import write_file

VERSION = "3.2"
L_VERSION = "3.2"
ENCODING = "windows-1251"
CHUNK = 1024 * 1024
#: namespace of the ID_PAC / SL_ID made for persons and cases that clash
_NS = uuid.UUID("5d7f3d0e-8a53-4c51-9a3c-2f6a4a3c1e01")
_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_blank_text=True,
    remove_comments=True,
    remove_pis=True,
)

PathLike = Union[str, os.PathLike]
CasePair = tuple[str, Optional[str]]


class RegistryFileError(ValueError):
    """The input cannot make a valid registry file; ``str(err)`` says why (Russian)."""


@dataclass(frozen=True)
class RegistryPair:
    """The written files; unpacks as ``h_path, l_path, zip_path``."""

    h_path: Path
    l_path: Path
    zip_path: Path
    name: str  # the H name (ZGLV/FILENAME, the ZIP name without .zip)
    l_name: str
    cases: int  # SD_Z
    persons: int  # PERS in the L file
    summav: Decimal  # SCHET/SUMMAV
    sha256: str  # of the ZIP

    def __iter__(self) -> Iterator[Path]:
        return iter((self.h_path, self.l_path, self.zip_path))


# -- the shape of a record: element names, order, leaves ---------------------------------------
class _Shape:
    """Positions of an element's children per name, with the shapes of complex children."""

    __slots__ = ("table",)

    def __init__(self, el: Element):
        self.table = {c.name: (pos, _Shape(c) if c.children else None) for pos, c in enumerate(el.children)}


def _shape(definition: FormatDefinition) -> _Shape:
    shape = definition._cache.get("registry_files.shape")
    if shape is None:
        shape = definition._cache["registry_files.shape"] = _Shape(definition.record)
    return shape


_XS = "http://www.w3.org/2001/XMLSchema"


def _xsd_element(el: Element, top: bool = False):
    x = etree.Element(f"{{{_XS}}}element", name=el.name)
    if not top:
        x.set("minOccurs", str(el.min))
        x.set("maxOccurs", "unbounded" if el.max is None else str(el.max))
    if el.is_leaf:
        x.set("type", "xs:string")
    else:
        seq = etree.SubElement(etree.SubElement(x, f"{{{_XS}}}complexType"), f"{{{_XS}}}sequence")
        for c in el.children:
            seq.append(_xsd_element(c))
    return x


def _schema(definition: FormatDefinition) -> etree.XMLSchema:
    """An XML Schema of the record's structure (names, order, occurrences; texts unchecked),
    built from the definition once: libxml2 checks a record in a few microseconds."""
    schema = definition._cache.get("registry_files.xsd")
    if schema is None:
        root = etree.Element(f"{{{_XS}}}schema", nsmap={"xs": _XS})
        root.append(_xsd_element(definition.record, top=True))
        schema = definition._cache["registry_files.xsd"] = etree.XMLSchema(root)
    return schema


def _check(elem, definition: FormatDefinition, where: str) -> None:
    """The record fits the definition; children out of order are first sorted as the writer
    does. Raises :class:`RegistryFileError` otherwise."""
    schema = _schema(definition)
    if schema.validate(elem):
        return
    _conform(elem, _shape(definition), definition.record_tag)
    if not schema.validate(elem):
        error = schema.error_log.last_error
        raise RegistryFileError(
            f"{where}: запись {definition.record_tag} не соответствует формату "
            f"{definition.kind} {definition.version}: {error.message if error else ''}"
        )


def _conform(elem, shape: _Shape, path: str) -> None:
    """Every child known to the definition (else :class:`RegistryFileError`), leaves without
    children, children in definition order (sorted if they are not)."""
    table = shape.table
    last = -1
    ordered = True
    for child in elem:
        tag = child.tag
        entry = table.get(tag)
        if entry is None:
            raise RegistryFileError(f"Элемент {tag} не предусмотрен форматом в {path}")
        pos, sub = entry
        if pos < last:
            ordered = False
        last = pos
        if sub is not None:
            if len(child):
                _conform(child, sub, f"{path}/{tag}")
        elif len(child):
            raise RegistryFileError(f"Элемент {path}/{tag} не может содержать вложенные элементы")
    if not ordered:
        elem[:] = sorted(elem, key=lambda c: table[c.tag][0])


def _set(parent, tag: str, text: str, shape: _Shape) -> None:
    """Set the text of ``parent/tag``, inserting the element at its place if absent."""
    node = parent.find(tag)
    if node is None:
        node = etree.Element(tag)
        pos = shape.table[tag][0]
        table = shape.table
        for i, child in enumerate(parent):
            entry = table.get(child.tag)
            if entry is not None and entry[0] > pos:
                parent.insert(i, node)
                break
        else:
            parent.append(node)
    node.text = text


def _parse(text: str, tag: str, where: str):
    try:
        elem = etree.fromstring(text.encode("utf-8"), _PARSER)
    except etree.XMLSyntaxError as e:
        raise RegistryFileError(f"{where}: сохранённая запись {tag} не читается ({e})") from None
    if elem.tag != tag:
        raise RegistryFileError(f"{where}: ожидался элемент {tag}, а не {elem.tag}")
    if elem.attrib:
        raise RegistryFileError(f"{where}: у элемента {tag} не может быть атрибутов")
    if "\n" in text or "> " in text or " <" in text or "\t" in text or "\r" in text:
        # not the compact form to_xml writes: strip the texts as the reader does
        for node in elem.iter():
            if node.text is not None:
                node.text = (node.text.strip() or None) if len(node) == 0 else None
            node.tail = None
    return elem


# -- the cases -----------------------------------------------------------------------------------
class _Cases:
    """Renumbers, sets SMO, counts, de-duplicates the persons; writes ZAP and PERS records."""

    def __init__(
        self,
        *,
        plat: Optional[str],
        renumber_ids: bool,
        name: str,
        definition: FormatDefinition,
        l_definition: FormatDefinition,
    ):
        self.plat = plat
        self.renumber_ids = renumber_ids
        self.name = name
        self.definition = definition
        self.l_definition = l_definition
        self.zap_shape = _shape(definition)
        self.pers_shape = _shape(l_definition)
        self.pac_shape = self.zap_shape.table["PACIENT"][1]
        self.zsl_shape = self.zap_shape.table["Z_SL"][1]
        self.count = 0
        self.summav = Decimal("0.00")
        self.persons: dict[str, bytes] = {}  # final ID_PAC → digest of its PERS text
        self.idcases: set[str] = set()
        self.sl_ids: set[str] = set()

    def run(self, cases: Iterable[CasePair], zap_out, pers_out) -> None:
        for item in cases:
            try:
                zap_xml, pers_xml = item
            except (TypeError, ValueError):
                raise RegistryFileError("Каждый случай передаётся парой (ZAP, PERS)") from None
            n = self.count + 1
            if not zap_xml:
                raise RegistryFileError(f"Случай № {n}: нет сохранённой записи ZAP")
            zap = _parse(zap_xml, "ZAP", f"Случай № {n}")
            pers = self._case(zap, pers_xml, n)
            zap_out.write(zap, pretty_print=True)
            if pers is not None:
                pers_out.write(pers, pretty_print=True)
            self.count = n

    def _case(self, zap, pers_xml: Optional[str], n: int):
        where = f"Случай № {n} (IDCASE {zap.findtext('Z_SL/IDCASE')})"
        _check(zap, self.definition, where)
        z = zap.find("Z_SL")
        pac = zap.find("PACIENT")
        sumv = z.findtext("SUMV")
        try:
            self.summav += Decimal(sumv)
        except (InvalidOperation, TypeError):
            raise RegistryFileError(f"{where}: сумма SUMV «{sumv or ''}» не является числом") from None
        _set(zap, "N_ZAP", str(n), self.zap_shape)
        if self.plat is not None:
            _set(pac, "SMO", self.plat, self.pac_shape)
        if self.renumber_ids:
            _set(z, "IDCASE", str(n), self.zsl_shape)
        idcase = z.findtext("IDCASE")
        if idcase in self.idcases:
            raise RegistryFileError(
                f"{where}: IDCASE {idcase} повторяется в реестре (нужна перенумерация: renumber_ids=True)"
            )
        self.idcases.add(idcase)
        for k, node in enumerate(z.iterfind("SL/SL_ID"), start=1):
            sl_id = node.text
            if sl_id is None:
                continue
            if sl_id in self.sl_ids:
                if not self.renumber_ids:
                    raise RegistryFileError(
                        f"{where}: SL_ID {sl_id} повторяется в реестре (нужна перенумерация: renumber_ids=True)"
                    )
                sl_id = str(uuid.uuid5(_NS, f"{self.name}/SL/{n}/{k}"))
                while sl_id in self.sl_ids:
                    sl_id = str(uuid.uuid5(_NS, sl_id))
                node.text = sl_id
            self.sl_ids.add(sl_id)
        return self._person(pac, pers_xml, where)

    def _person(self, pac, pers_xml: Optional[str], where: str):
        """The PERS to write for this case (None when its person is already written)."""
        id_pac = pac.findtext("ID_PAC")
        if not id_pac:
            raise RegistryFileError(f"{where}: нет PACIENT/ID_PAC")
        if not pers_xml:
            if id_pac in self.persons:
                return None
            raise RegistryFileError(f"{where}: нет сведений о пациенте (PERS) для ID_PAC {id_pac}")
        digest = hashlib.blake2b(pers_xml.encode("utf-8"), digest_size=16).digest()
        final = id_pac
        while True:
            known = self.persons.get(final)
            if known is None:
                break
            if known == digest:  # the same person again
                if final != id_pac:
                    _set(pac, "ID_PAC", final, self.pac_shape)
                return None
            final = str(uuid.uuid5(_NS, f"{final}/{digest.hex()}"))  # another person
        pers = _parse(pers_xml, "PERS", where)
        if pers.findtext("ID_PAC") != id_pac:
            raise RegistryFileError(f"{where}: PERS не относится к пациенту ID_PAC {id_pac}")
        _check(pers, self.l_definition, where)
        if final != id_pac:
            _set(pac, "ID_PAC", final, self.pac_shape)
            _set(pers, "ID_PAC", final, self.pers_shape)
        self.persons[final] = digest
        return pers


# -- files ---------------------------------------------------------------------------------------
def _header(tag: str, *items: tuple[str, Optional[str]]) -> Node:
    return Node(tag, children=[Node(t, v) for t, v in items if v is not None])


def _iso(value: Union[dt.date, str]) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise RegistryFileError(f"«{value}» не является датой ГГГГ-ММ-ДД") from None


def _join(head_path: Path, body_path: Path, target: Path, root: str) -> None:
    """The writer's header file up to its closing root tag, the records of the body file
    (``<root>\n`` … ``</root>``), the closing root tag."""
    open_tag, close_tag = f"<{root}>\n".encode(), f"</{root}>".encode()
    head = head_path.read_bytes()
    if not head.endswith(close_tag + b"\n"):
        raise RuntimeError("unexpected writer output (header)")
    size = os.path.getsize(body_path) - len(open_tag) - len(close_tag)
    with open(body_path, "rb") as src, open(target, "wb") as out:
        if src.read(len(open_tag)) != open_tag:
            raise RuntimeError("unexpected body output")
        out.write(head[: -len(close_tag) - 1])
        while size > 0:
            chunk = src.read(min(CHUNK, size))
            if not chunk:
                raise RuntimeError("body output truncated")
            out.write(chunk)
            size -= len(chunk)
        if src.read() != close_tag:
            raise RuntimeError("unexpected body output (end)")
        out.write(close_tag + b"\n")


def _zip(zip_path: Path, members: list[Path], when: dt.date) -> str:
    stamp = (when.year, when.month, when.day, 0, 0, 0) if when.year >= 1980 else (1980, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(zip_path, "w") as zf:
        for path in members:
            info = zipfile.ZipInfo(path.name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            info.file_size = path.stat().st_size
            with open(path, "rb") as src, zf.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, CHUNK)
    h = hashlib.sha256()
    with open(zip_path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def registry_file_name(
    file_type: str, mo_code: str, payer_kind: str, payer_code: str, year: int, month: int, number
) -> str:
    """The H-type name ``HM140001S14001_26101`` (raises :class:`RegistryFileError`)."""
    if payer_kind not in ("S", "T"):
        raise RegistryFileError(f"Плательщик должен быть СМО (S) или ТФОМС (T), а не «{payer_kind}»")
    try:
        return build_file_name(file_type, "M", mo_code, payer_kind, payer_code, year, month, number)
    except (FileNameError, ValueError) as e:
        raise RegistryFileError(str(e)) from None


def write_registry_pair(
    outdir: PathLike,
    *,
    file_type: str = "H",
    mo_code: str,
    payer_kind: str,
    payer_code: str,
    year: int,
    month: int,
    number: Union[int, str],
    nschet: str,
    dschet: Union[dt.date, str],
    data: Union[dt.date, str, None] = None,
    plat: Optional[str] = None,
    code_mo: Optional[str] = None,
    code: Union[int, str, None] = None,
    coments: Optional[str] = None,
    disp: Optional[str] = None,
    cases: Iterable[CasePair],
    renumber_ids: bool = False,
    version: str = VERSION,
    l_version: str = L_VERSION,
) -> RegistryPair:
    """Write ``<H name>.xml``, ``<L name>.xml`` and ``<H name>.zip`` into ``outdir``.

    ``cases``: an iterable of ``(zap_xml, pers_xml)`` — the stored fragments of each case in
    the order of the registry (``pers_xml`` may be None for a patient already given). ``data``
    (ZGLV/DATA) defaults to ``dschet``; ``plat`` to the СМО code when ``payer_kind == "S"`` (it
    must be that code; it must be absent for the ТФОМС). Raises :class:`RegistryFileError` for
    input that would make an invalid file (no cases, a SUMV that is not a number, an element the
    format does not know, a PERS of another patient, a repeated IDCASE/SL_ID without
    ``renumber_ids``); nothing is left in ``outdir`` then.
    """
    name = registry_file_name(file_type, mo_code, payer_kind, payer_code, year, month, number)
    l_name = registry_file_name("L", mo_code, payer_kind, payer_code, year, month, number)
    if payer_kind == "S":
        if plat is not None and plat != payer_code:
            raise RegistryFileError(f"PLAT {plat} не совпадает с кодом СМО в имени файла {payer_code}")
        plat = payer_code
    elif plat is not None:
        raise RegistryFileError("PLAT не указывается, когда плательщик — ТФОМС")
    definition = get_definition(file_type, version)
    l_definition = get_definition("L", l_version)
    if definition is None or l_definition is None:
        raise RegistryFileError(f"Формат {file_type} версии {version} (L версии {l_version}) не поддерживается")
    dschet_iso = _iso(dschet)
    data_iso = _iso(data) if data is not None else dschet_iso
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    h_path, l_path, zip_path = outdir / f"{name}.xml", outdir / f"{l_name}.xml", outdir / f"{name}.zip"
    root, l_root = definition.root_tag, l_definition.root_tag
    try:
        with tempfile.TemporaryDirectory(dir=outdir, prefix=".registry-") as tmp:
            tmp = Path(tmp)
            feed = _Cases(
                plat=plat, renumber_ids=renumber_ids, name=name, definition=definition, l_definition=l_definition
            )
            h_body, l_body = tmp / "zap.body", tmp / "pers.body"
            with open(h_body, "wb") as hf, open(l_body, "wb") as lf:
                with etree.xmlfile(hf, encoding=ENCODING) as hx, etree.xmlfile(lf, encoding=ENCODING) as lx:
                    with hx.element(root), lx.element(l_root):
                        hx.write("\n")
                        lx.write("\n")
                        feed.run(cases, hx, lx)
            if feed.count == 0:
                raise RegistryFileError("В реестре нет случаев: файл без записей ZAP недопустим")
            summav = feed.summav.quantize(Decimal("0.01"))
            header = Node(
                root,
                children=[
                    _header(
                        "ZGLV", ("VERSION", version), ("DATA", data_iso), ("FILENAME", name), ("SD_Z", str(feed.count))
                    ),
                    _header(
                        "SCHET",
                        ("CODE", str(code if code is not None else number)),
                        ("CODE_MO", code_mo or mo_code),
                        ("YEAR", str(int(year))),
                        ("MONTH", str(int(month))),
                        ("NSCHET", str(nschet)),
                        ("DSCHET", dschet_iso),
                        ("PLAT", plat),
                        ("SUMMAV", f"{summav:.2f}"),
                        ("COMENTS", coments),
                        ("DISP", disp),
                    ),
                ],
            )
            l_header = Node(
                l_root,
                children=[
                    _header(
                        "ZGLV", ("VERSION", l_version), ("DATA", data_iso), ("FILENAME", l_name), ("FILENAME1", name)
                    )
                ],
            )
            h_head, l_head = tmp / "zap.head", tmp / "pers.head"
            write_file(h_head, definition, header, (), encoding=ENCODING)
            write_file(l_head, l_definition, l_header, (), encoding=ENCODING)
            _join(h_head, h_body, h_path, root)
            _join(l_head, l_body, l_path, l_root)
        sha = _zip(zip_path, [h_path, l_path], dt.date.fromisoformat(data_iso))
    except BaseException:
        for p in (h_path, l_path, zip_path):
            try:
                p.unlink()
            except FileNotFoundError:
                pass
        raise
    return RegistryPair(
        h_path=h_path,
        l_path=l_path,
        zip_path=zip_path,
        name=name,
        l_name=l_name,
        cases=feed.count,
        persons=len(feed.persons),
        summav=summav,
        sha256=sha,
    )
