"""Streaming reader of H-type (``ZL_LIST``) and L (``PERS_LIST``) files.

:func:`read_file` opens the file and reads up to the first record, so on return the
``header`` (``ZGLV`` and ``SCHET``), the ``version`` and the ``definition`` are known (or
``findings`` says why not). Records then come one by one from ``records`` (or, with
their reader findings, from ``items()``): each ``ZAP``/``PERS`` element is turned into a
:class:`~app.formats.record.Node` tree and cleared, with its previous siblings deleted,
so memory stays flat whatever the file size.

Safety (the file is untrusted input):

* lxml pull parser without network, without DTD loading, without entity substitution,
  ``huge_tree=False`` (libxml2's limits on text size and depth stay on);
* any ``DOCTYPE`` is refused (fatal ``DTD``): found in the prolog bytes before parsing,
  and checked again on the root element — so XXE and entity-expansion bombs never run;
* encodings: windows-1251 or UTF-8 (with or without BOM); anything else is refused.
  The first chunk holding non-ASCII bytes is checked against the declaration: a file
  declared windows-1251 whose bytes are valid UTF-8 text (or declared UTF-8 whose bytes
  are not) is refused (fatal ``ENC``) — this costs one decode of one chunk;
* a record larger than ``max_record_bytes`` or with more than ``max_record_elements``
  elements stops the reading (fatal ``SIZE``);
* a text longer than ``max_text_length`` is cut and reported for its record (``LEN``,
  not fatal).

XML errors (not well-formed, truncated, empty file) become a fatal ``XML`` finding with
the line; the records yielded before stay yielded — the caller decides what to do.

How it streams: the prolog is scanned by hand (declaration, comments, DOCTYPE, root
name); the lxml pull parser is then fed 64 KB chunks and reports events only for the
root, the header blocks and the records (not for every element — this keeps Python work
per record small). Children of the root the filter hides (unknown elements) are found
among the previous siblings when the next block ends: before the first record they go
into ``header`` (so :func:`~app.formats.structure.check_header` reports them), after it
they are non-fatal ``905`` findings in ``findings``. The root never holds more than the
records of one chunk; nothing is kept between two processed blocks beyond
``max_record_bytes``.
"""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path
from typing import Iterator, Optional, Union

from lxml import etree

from app.controls.finding import Finding

from . import codes
from .definitions import FormatDefinition, all_definitions, get_definition, kind_of, supported_versions
from .names import FileNameError, parse_file_name
from .record import Node
from .structure import place_of

DEFAULT_MAX_TEXT_LENGTH = 4000
DEFAULT_MAX_RECORD_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_RECORD_ELEMENTS = 100_000
CHUNK = 64 * 1024

ROOT_TAGS = {"ZL_LIST": "ZAP", "PERS_LIST": "PERS"}  # root → record tag

_BOM = b"\xef\xbb\xbf"
_DECLARATION = re.compile(rb"^<\?xml\s[^>]*?\bencoding\s*=\s*[\"']([^\"'>]*)[\"']", re.S)
_START_TAG = re.compile(rb"<([^\s/>]+)")
PROLOG_LIMIT = 1024 * 1024
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_ENCODINGS = {"windows-1251": "windows-1251", "cp1251": "windows-1251", "utf-8": "utf-8", "utf8": "utf-8"}

PathLike = Union[str, os.PathLike]
_READY = object()


class XmlFile:
    """An opened exchange file. Use as a context manager or call :meth:`close`."""

    def __init__(
        self, path: Path, kind: Optional[str], max_text_length: int, max_record_bytes: int, max_record_elements: int
    ):
        self.path = path
        self.kind: Optional[str] = kind  # "H", "C", "T", "X", "L"
        self.definition: Optional[FormatDefinition] = None
        self.version: Optional[str] = None
        self.encoding: Optional[str] = None  # "windows-1251" | "utf-8"
        self.root_tag: Optional[str] = None
        self.header: Optional[Node] = None  # root-tagged node: ZGLV, SCHET
        self.findings: list[Finding] = []  # file-level (fatal ones stop the reading)
        self.record_count = 0
        self.max_text_length = max_text_length
        self.max_record_bytes = max_record_bytes
        self.max_record_elements = max_record_elements
        self._fh = None
        self._gen: Optional[Iterator] = None
        self._root = None  # lxml root while reading (diagnostics)

    # -- public -------------------------------------------------------------------
    @property
    def fatal(self) -> bool:
        """True once a fatal file-level finding was made (no case can be accepted)."""
        return any(f.fatal for f in self.findings)

    @property
    def file_kind(self) -> str:
        return "L" if self.kind == "L" else "H"

    def items(self) -> Iterator[tuple[Node, list[Finding]]]:
        """Records with the reader's findings for each (over-long texts)."""
        gen = self._gen
        if gen is None:
            return
        for item in gen:
            yield item
        self.close()  # read to the end: release the file at once

    @property
    def records(self) -> Iterator[Node]:
        """Records (``ZAP``/``PERS``) as Node trees, in document order, one pass."""
        return (node for node, _ in self.items())

    def __iter__(self) -> Iterator[Node]:
        return self.records

    def close(self) -> None:
        if self._gen is not None:
            self._gen.close()
            self._gen = None
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self._root = None

    def __enter__(self) -> "XmlFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- findings -----------------------------------------------------------------
    def _fatal(
        self, code: str, key: str, line: Optional[int] = None, element=None, base_element=None, **values
    ) -> None:
        text = codes.message(key, line=line, element=element, base_element=base_element, **values)
        self.findings.append(
            Finding(
                code=code,
                comment=text,
                element=element,
                base_element=base_element,
                line=line,
                file_kind=self.file_kind,
                fatal=True,
            )
        )

    # -- the streaming loop -------------------------------------------------------
    def _start(self) -> None:
        self._fh = open(self.path, "rb")
        first = self._fh.read(CHUNK)
        scanned = self._prolog(first)
        if scanned is None:
            self.close()
            return
        self._gen = self._run(*scanned)
        item = next(self._gen, None)
        if item is not _READY:  # finished (fatal or nothing to read)
            self._gen = None
            self._fh.close()
            self._fh = None

    def _prolog(self, first: bytes):
        """Check BOM, declaration, encoding, DOCTYPE and find the root element name.

        Returns ``(bytes read so far, root tag)`` or None after a fatal finding.
        """
        if not first:
            self._fatal(codes.XML, "empty_file")
            return None
        if first[:2] in (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<"):
            self._fatal(codes.ENCODING, "encoding_utf16")
            return None
        bom = first.startswith(_BOM)
        body = first[3:] if bom else first
        m = _DECLARATION.match(body)
        declared = m.group(1).decode("ascii", "replace").strip() if m else "utf-8"
        encoding = _ENCODINGS.get(declared.lower())
        if encoding is None:
            self._fatal(codes.ENCODING, "encoding_unknown", encoding=declared)
            return None
        if bom and encoding != "utf-8":
            self._fatal(codes.ENCODING, "encoding_bom_1251")
            return None
        self.encoding = encoding
        buffer = first
        while True:
            status, value = _scan_prolog(buffer, 3 if bom else 0)
            if status == "more":
                chunk = self._fh.read(CHUNK) if len(buffer) < PROLOG_LIMIT else b""
                if not chunk:
                    self._fatal(codes.XML, "xml_no_root")
                    return None
                buffer += chunk
                continue
            if status == "doctype":
                self._fatal(codes.DOCTYPE, "doctype", line=buffer[:value].count(b"\n") + 1)
                return None
            if status == "namespace":
                self._fatal(codes.ROOT, "root_namespace", line=buffer[:value].count(b"\n") + 1)
                return None
            if status == "root":
                name, pos = value
                if name not in ROOT_TAGS:
                    self._fatal(codes.ROOT, "root_unknown", line=buffer[:pos].count(b"\n") + 1, element=name)
                    return None
                return buffer, name
            return buffer, None  # not XML at the start: the parser reports it

    def _run(self, first: bytes, root_tag: Optional[str]):
        roots = (root_tag,) if root_tag else tuple(ROOT_TAGS)
        tags = set(roots)
        for r in roots:
            tags.add(ROOT_TAGS[r])
            tags.update(_header_tags(r))
        parser = etree.XMLPullParser(
            events=("start", "end"),
            tag=sorted(tags),
            load_dtd=False,
            no_network=True,
            resolve_entities=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            dtd_validation=False,
            attribute_defaults=False,
            collect_ids=False,
        )
        guard = _EncodingGuard(self.encoding)
        record_tag = None
        root = None
        header = None
        ready = False
        seen_record = False
        last_done = None  # the last processed depth-2 element (cleared, kept)
        fed = 0
        fed_at_drop = 0
        chunk = first
        last_line = 1
        while True:
            if chunk:
                problem = guard.check(chunk[3:] if fed == 0 and chunk.startswith(_BOM) else chunk)
                if problem is not None:
                    key, line = problem
                    self._fatal(codes.ENCODING, key, line=line)
                    return
                try:
                    parser.feed(chunk)
                except etree.XMLSyntaxError as e:
                    self._xml_error(e, last_line)
                    return
                fed += len(chunk)
                if fed - fed_at_drop > self.max_record_bytes + CHUNK:
                    self._fatal(
                        codes.SIZE, "record_too_big_bytes", element=record_tag or "?", limit=self.max_record_bytes
                    )
                    return
                done = False
            else:
                try:
                    closed_root = parser.close()
                except etree.XMLSyntaxError as e:
                    if root is None:
                        self._fatal(codes.XML, "xml_no_root")
                    else:
                        self._xml_error(e, last_line)
                    return
                if root is None:
                    tag = getattr(closed_root, "tag", None)
                    self._fatal(codes.ROOT, "root_unknown", element=tag)
                    return
                done = True
            for event, elem in parser.read_events():
                parent = elem.getparent()
                if event == "start":
                    if parent is None:
                        if root is None:
                            root = self._root = elem
                            record_tag = self._root_ok(elem)
                            if record_tag is None:
                                return
                            header = self.header = Node(elem.tag, None, elem.sourceline, [])
                    elif not ready and elem.tag == record_tag and parent.getparent() is None:
                        if not self._sweep(elem, last_done, header, seen_record):
                            return
                        if elem.getprevious() is not None:  # swept: not again at the end
                            last_done = elem.getprevious()
                        if not self._header_ok(header, elem.sourceline):
                            return
                        ready = True
                        yield _READY
                    continue
                # end of an element: only the children of the root matter
                if parent is None or parent.getparent() is not None:
                    continue
                if not self._sweep(elem, last_done, header, seen_record):
                    return
                tag = elem.tag
                last_line = elem.sourceline or last_line
                if tag == record_tag:
                    seen_record = True
                    longs: list = []
                    node = _convert(elem, self.max_text_length, longs, [], [self.max_record_elements])
                    _drop(elem, root)
                    last_done, fed_at_drop = elem, fed
                    if node is None:
                        self._fatal(
                            codes.SIZE,
                            "record_too_big",
                            line=elem.sourceline,
                            element=tag,
                            limit=self.max_record_elements,
                        )
                        return
                    self.record_count += 1
                    yield node, self._long_findings(node, longs)
                else:
                    node = _convert(elem, self.max_text_length, [], [], [self.max_record_elements])
                    _drop(elem, root)
                    last_done, fed_at_drop = elem, fed
                    if node is None:
                        self._fatal(
                            codes.SIZE,
                            "record_too_big",
                            line=elem.sourceline,
                            element=tag,
                            limit=self.max_record_elements,
                        )
                        return
                    if seen_record:
                        self._fatal(
                            codes.ORDER,
                            "header_after_records",
                            line=node.line,
                            element=tag,
                            base_element=root.tag,
                            record=record_tag,
                        )
                        return
                    header.children.append(node)
                    if tag == "ZGLV" and not self._version_ok(node):
                        return
            if done:
                break
            chunk = self._fh.read(CHUNK)
        if not self._sweep(None, last_done, header, seen_record, root=root):
            return
        if not seen_record and self._header_ok(header, None):
            self._fatal(codes.MISSING, "records_missing", element=record_tag, base_element=root.tag)

    def _sweep(self, elem, last_done, header: Node, seen_record: bool, root=None) -> bool:
        """Report children of the root the event filter hid (unknown elements) before
        ``elem`` (or, with ``elem=None``, after the last processed one). False = stop."""
        unknown = []
        if elem is not None:
            prev = elem.getprevious()
            while prev is not None and prev is not last_done:
                unknown.append(prev)
                prev = prev.getprevious()
            unknown.reverse()
        else:
            start = (
                last_done.getnext() if last_done is not None else (root[0] if root is not None and len(root) else None)
            )
            while start is not None:
                unknown.append(start)
                start = start.getnext()
        for u in unknown:
            if not isinstance(u.tag, str):
                continue
            node = _convert(u, self.max_text_length, [], [], [self.max_record_elements])
            if node is None:
                self._fatal(
                    codes.SIZE, "record_too_big", line=u.sourceline, element=u.tag, limit=self.max_record_elements
                )
                return False
            if seen_record:
                self.findings.append(
                    Finding(
                        code=codes.EXTRA,
                        element=u.tag,
                        base_element=header.tag,
                        line=node.line,
                        comment=codes.message("unknown", element=u.tag, parent=header.tag),
                        file_kind=self.file_kind,
                    )
                )
            else:
                header.children.append(node)
        return True

    # -- steps --------------------------------------------------------------------
    def _root_ok(self, elem) -> Optional[str]:
        """Check the root element; returns the record tag or None (fatal finding made)."""
        info = elem.getroottree().docinfo
        if info.internalDTD is not None or info.externalDTD is not None or info.doctype:
            self._fatal(codes.DOCTYPE, "doctype", line=elem.sourceline)
            return None
        tag = elem.tag
        self.root_tag = tag if isinstance(tag, str) else None
        if tag not in ROOT_TAGS:
            self._fatal(codes.ROOT, "root_unknown", line=elem.sourceline, element=tag)
            return None
        natural = "L" if tag == "PERS_LIST" else None
        if self.kind is None:
            self.kind = natural or "H"
        elif (self.kind == "L") != (tag == "PERS_LIST"):
            expected = "PERS_LIST" if self.kind == "L" else "ZL_LIST"
            self._fatal(codes.ROOT, "root_wrong", line=elem.sourceline, element=tag, kind=self.kind, expected=expected)
            return None
        return ROOT_TAGS[tag]

    def _version_ok(self, zglv: Node) -> bool:
        version = zglv.get("VERSION")
        if not version:
            self._fatal(codes.VERSION, "version_missing", line=zglv.line, element="VERSION", base_element="ZGLV")
            return False
        self.version = version
        definition = get_definition(self.kind, version)
        if definition is None or definition.root_tag != self.root_tag:
            line = zglv.find("VERSION").line if zglv.find("VERSION") is not None else zglv.line
            self._fatal(
                codes.VERSION,
                "version_unsupported",
                line=line,
                element="VERSION",
                base_element="ZGLV",
                version=version,
                kind=self.kind,
                supported=", ".join(supported_versions(self.kind)) or "нет",
            )
            return False
        self.definition = definition
        return True

    def _header_ok(self, header: Optional[Node], line: Optional[int]) -> bool:
        """Before the first record (or at the end) the version must be known."""
        if self.definition is None:
            # ZGLV, when present, set the definition or already stopped the reading
            self._fatal(codes.VERSION, "version_missing", line=line, element="VERSION", base_element="ZGLV")
            return False
        return True

    def _xml_error(self, e: etree.XMLSyntaxError, last_line: int) -> None:
        line = e.lineno or last_line
        detail = (e.msg or str(e)).strip()
        self._fatal(codes.XML, "xml_syntax", line=line, detail=detail)

    def _long_findings(self, record: Node, longs: list) -> list[Finding]:
        out = []
        for tag, line, chain, length in longs:
            place = place_of([record] + chain)
            out.append(
                Finding(
                    code=codes.TOO_LONG,
                    comment=codes.message("text_too_long", element=tag, limit=self.max_text_length, length=length),
                    element=tag,
                    base_element=(chain[-1].tag if chain else record.tag),
                    line=line,
                    file_kind=self.file_kind,
                    **place,
                )
            )
        return out


class _EncodingGuard:
    """Checks the first chunk that holds non-ASCII bytes against the declared encoding."""

    __slots__ = ("declared", "done", "lines")

    def __init__(self, declared: str):
        self.declared = declared
        self.done = False
        self.lines = 0

    def check(self, chunk: bytes):
        if self.done:
            return None
        if chunk.isascii():
            self.lines += chunk.count(b"\n")
            return None
        self.done = True
        pos = _NON_ASCII.search(chunk).start()
        line = self.lines + chunk.count(b"\n", 0, pos) + 1
        try:
            codecs.getincrementaldecoder("utf-8")().decode(chunk, final=False)
            is_utf8 = True
        except UnicodeDecodeError:
            is_utf8 = False
        if self.declared == "windows-1251" and is_utf8:
            return "encoding_1251_is_utf8", line
        if self.declared == "utf-8" and not is_utf8:
            return "encoding_utf8_invalid", line
        return None


def _convert(elem, limit: int, longs: list, chain: list, budget: list) -> Optional[Node]:
    """lxml element → Node tree (texts stripped; over-long texts cut and noted in
    ``longs``). ``budget[0]`` is the number of elements still allowed; None when spent."""
    budget[0] -= 1
    if budget[0] < 0:
        return None
    if len(elem):
        node = Node(elem.tag, None, elem.sourceline, [])
        chain.append(node)
        append = node.children.append
        for child in elem:
            tag = child.tag
            if tag.__class__ is not str:  # comment/PI left by the parser
                continue
            if len(child):
                sub = _convert(child, limit, longs, chain, budget)
                if sub is None:
                    return None
                append(sub)
                continue
            budget[0] -= 1
            if budget[0] < 0:
                return None
            text = child.text
            if text is not None:
                text = text.strip() or None
                if text is not None and len(text) > limit:
                    longs.append((tag, child.sourceline, chain[1:], len(text)))
                    text = text[:limit]
            append(Node(tag, text, child.sourceline))
        chain.pop()
        return node
    text = elem.text
    if text is not None:
        text = text.strip() or None
        if text is not None and len(text) > limit:
            longs.append((elem.tag, elem.sourceline, [], len(text)))
            text = text[:limit]
    return Node(elem.tag, text, elem.sourceline)


def _header_tags(root_tag: str) -> set[str]:
    """Header block names of every registered definition with this root."""
    return {t for d in all_definitions() if d.root_tag == root_tag for t in d.header_tags}


def _scan_prolog(buf: bytes, i: int):
    """Walk the prolog: ``("root", (name, pos))``, ``("doctype", pos)``,
    ``("namespace", pos)``, ``("more", None)`` or ``("junk", None)``."""
    n = len(buf)
    while True:
        while i < n and buf[i] in b" \t\r\n":
            i += 1
        if i >= n:
            return "more", None
        if buf.startswith(b"<?", i):
            j = buf.find(b"?>", i + 2)
            if j < 0:
                return "more", None
            i = j + 2
        elif buf.startswith(b"<!--", i):
            j = buf.find(b"-->", i + 4)
            if j < 0:
                return "more", None
            i = j + 3
        elif buf.startswith(b"<!", i):
            if n - i < 9 and b"<!DOCTYPE".startswith(buf[i:]):
                return "more", None
            return "doctype", i
        elif buf.startswith(b"<", i):
            j = buf.find(b">", i)
            if j < 0:
                return ("more", None) if n - i < 4096 else ("junk", None)
            m = _START_TAG.match(buf, i)
            if m is None:
                return "junk", None
            if b"xmlns" in buf[i:j]:
                return "namespace", i
            return "root", (m.group(1).decode("utf-8", "replace"), i)
        else:
            return "junk", None


def _drop(elem, root) -> None:
    """Free a processed depth-2 element and everything before it."""
    elem.clear(keep_tail=False)
    while elem.getprevious() is not None:
        del root[0]


def read_file(
    path: PathLike,
    expected_kind: Optional[str] = None,
    max_text_length: int = DEFAULT_MAX_TEXT_LENGTH,
    *,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    max_record_elements: int = DEFAULT_MAX_RECORD_ELEMENTS,
) -> XmlFile:
    """Open an exchange file and read its header (everything before the first record).

    ``expected_kind`` is a kind (``H C T X L``) or a file type (``DP``…); if omitted the
    kind comes from the file name, else from the root element (``ZL_LIST`` → ``H``).
    Check ``result.fatal``/``result.findings`` before using ``result.records``.
    """
    p = Path(path)
    kind = kind_of(expected_kind) if expected_kind else None
    if kind is None:
        try:
            kind = parse_file_name(p.name).kind
        except FileNameError:
            kind = None
    f = XmlFile(p, kind, max_text_length, max_record_bytes, max_record_elements)
    f._start()
    return f
