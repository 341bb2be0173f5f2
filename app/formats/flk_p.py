"""The ФЛК protocol ``FLK_P`` and its spreadsheet twin.

    FLK_P
    ├─ FNAME    имя файла протокола ("V" + имя проверенного файла)
    ├─ FNAME_I  имя проверенного файла
    └─ PR [0..n]  OSHIB, IM_POL, BAS_EL, N_ZAP, IDCASE, SL_ID, IDSERV, COMMENT
                  (protocol of a 5.x or later file: OSHIB, IM_POL, ZN_POL, BAS_EL, N_ZAP,
                   ID_PAC, IDCASE, SL_ID, IDSERV, COMMENT)

Written streaming in windows-1251 (characters outside it become character references),
one ``PR`` per finding; empty fields are omitted, ``COMMENT`` and ``ZN_POL`` are cut to 250
characters. ``ZN_POL`` is the value of the element in error (``IM_POL``), ``ID_PAC`` the
patient's code; both are optional and left out when the finding does not know them. Their
order in ``PR`` follows the element model of a public ФЛК checker of 5.x files (the only
evidence; unsure).
"""

from __future__ import annotations

import os
from typing import IO, Iterable, Optional, Union

from lxml import etree

from app.controls.finding import Finding

from .definitions import version_number
from .names import strip_extension

COMMENT_LIMIT = 250
NAME_LIMIT = 20  # IM_POL, BAS_EL: T20

#: PR fields: (element of FLK_P, attribute of Finding)
PR_FIELDS = (
    ("OSHIB", "code"),
    ("IM_POL", "element"),
    ("BAS_EL", "base_element"),
    ("N_ZAP", "n_zap"),
    ("IDCASE", "idcase"),
    ("SL_ID", "sl_id"),
    ("IDSERV", "idserv"),
    ("COMMENT", "comment"),
)

#: PR fields of the protocol of a file of version 5.0 or later
PR_FIELDS_5 = (
    ("OSHIB", "code"),
    ("IM_POL", "element"),
    ("ZN_POL", "value"),
    ("BAS_EL", "base_element"),
    ("N_ZAP", "n_zap"),
    ("ID_PAC", "id_pac"),
    ("IDCASE", "idcase"),
    ("SL_ID", "sl_id"),
    ("IDSERV", "idserv"),
    ("COMMENT", "comment"),
)

PathOrFile = Union[str, os.PathLike, IO[bytes]]


def protocol_name(checked_name: str) -> str:
    """``FNAME`` of the protocol: ``"V"`` + checked file name without extension."""
    return "V" + strip_extension(os.path.basename(str(checked_name)))


def pr_fields(version: Optional[str]) -> tuple[tuple[str, str], ...]:
    """The ``PR`` fields of the protocol of a file of ``version`` (None: the classic set)."""
    return PR_FIELDS_5 if version_number(version) >= (5,) else PR_FIELDS


def _field(finding: Finding, attr: str) -> Optional[str]:
    value = getattr(finding, attr)
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    if attr in ("comment", "value") and len(value) > COMMENT_LIMIT:
        value = value[: COMMENT_LIMIT - 1] + "…"
    elif attr in ("element", "base_element") and len(value) > NAME_LIMIT:
        value = value[:NAME_LIMIT]
    return _xml_safe(value)


def _xml_safe(value: str) -> str:
    """Drop characters XML 1.0 cannot carry (control characters)."""
    if value.isprintable():
        return value
    return "".join(
        ch
        for ch in value
        if ch in "\t\n\r" or (ord(ch) >= 0x20 and not 0xD800 <= ord(ch) <= 0xDFFF and ord(ch) not in (0xFFFE, 0xFFFF))
    )


def write_flk_p(
    path_or_file: PathOrFile,
    fname: str,
    fname_i: str,
    findings: Iterable[Finding],
    encoding: str = "windows-1251",
    version: Optional[str] = None,
) -> int:
    """Write the protocol; returns the number of ``PR`` elements. ``version`` — ZGLV/VERSION of
    the checked file: 5.0 and later add ``ZN_POL`` and ``ID_PAC`` to ``PR``."""
    fields = pr_fields(version)
    own = not hasattr(path_or_file, "write")
    fh = open(path_or_file, "wb") if own else path_or_file
    count = 0
    try:
        fh.write(f'<?xml version="1.0" encoding="{encoding}"?>\n'.encode("ascii"))
        with etree.xmlfile(fh, encoding=encoding) as xf:
            with xf.element("FLK_P"):
                xf.write("\n")
                for tag, value in (("FNAME", fname), ("FNAME_I", fname_i)):
                    el = etree.Element(tag)
                    el.text = _xml_safe(str(value))
                    xf.write(el, pretty_print=True)
                for f in findings:
                    pr = etree.Element("PR")
                    for tag, attr in fields:
                        value = _field(f, attr)
                        if value is not None:
                            etree.SubElement(pr, tag).text = value
                    xf.write(pr, pretty_print=True)
                    count += 1
        fh.write(b"\n")
    finally:
        if own:
            fh.close()
    return count


def read_flk_p(path_or_file: PathOrFile) -> tuple[str, str, list[dict]]:
    """Read a protocol (ours or a fund's): ``(FNAME, FNAME_I, [ {field: text} per PR ])``."""
    parser = etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False, huge_tree=False)
    tree = etree.parse(path_or_file, parser)
    if tree.docinfo.doctype:
        raise ValueError("Протокол содержит объявление DOCTYPE")
    root = tree.getroot()
    rows = [{c.tag: (c.text or "").strip() for c in pr} for pr in root.iter("PR")]
    return (root.findtext("FNAME") or "").strip(), (root.findtext("FNAME_I") or "").strip(), rows
