"""The federal НСИ service (nsi.ffoms.ru): where a book's current version is, and how its answer
becomes an НСИ ``<packet>`` on disk — the one place a fund corrects when the service changes.

**What the addresses are based on.**  No connection to the service was possible when this was
written; the addresses are those that public programs which download the FFOMS books use:

- ``GET {base}/nsi-int/api/versions?identifier=<code>&page=1&size=200`` — the versions of a book
  as JSON ``{"result", "resultText", "total", "list": [{"version", "createDate", "publishDate",
  "lastUpdate", "archive", "passport": {…}}]}``.  The address and the query parameter
  ``identifier`` are used the same way by several independent programs (verified in their code);
  the field names come from one of them (a C# client) — *assumed* for the rest.
- ``GET {base}/nsi-int/api/data?identifier=<code>&version=<v>`` — the rows of that version.
  ``identifier`` is verified the same way; the ``version`` parameter is *assumed*.  Public
  clients read this answer as JSON ``{"list": [[{"column": …, "value": …}, …], …]}`` (one list of
  column/value pairs per row); the XML export (a ZIP with the ``<packet>`` file) is what the
  site's download link ``/refbook?type=XML&id=…&version=…`` gives, with an internal id instead
  of the code.  So :func:`open_packet` accepts all three answers: a ZIP holding one XML file, an
  XML ``<packet>``, or that JSON (written out as a ``<packet>``) — whatever the address returns,
  the import reads a packet.

Also assumed: that every book of :data:`app.nsi.books.BOOKS` — M001 included, which the
Минздрав publishes — is served under its code; a book the service does not know is reported as
not updated and the others go on.

A fund behind a closed network sets ``NSI_SERVICE_URL`` to its mirror with the same paths; if the
paths differ, :func:`versions_url` and :func:`packet_url` are the two lines to change.

Safety: the download streams into a file with a size cap (never the whole answer in memory); a
ZIP is unpacked with the project's safe extraction (:func:`app.formats.archive.extract_one`: no
paths from member names, size and compression-ratio limits).  Every refusal is a
:class:`FederalNsiError` whose message is a Russian sentence for the user.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlencode

from lxml import etree

from app.formats.archive import ArchiveError, extract_one
from app.nsi.packet import parse_nsi_date

DEFAULT_BASE_URL = "https://nsi.ffoms.ru"
MAX_DOWNLOAD_BYTES = 200 * 1024**2  # one book's answer (M001, the largest, is a few MB zipped)
MAX_UNPACKED_BYTES = 1024**3  # the packet XML inside a ZIP
MAX_RATIO = 200  # a ZIP member may not be larger than this times its compressed size
MAX_JSON_BYTES = 5 * 1024**2  # the list of versions
CHUNK = 64 * 1024
USER_AGENT = "oms-nsi-fetch/1"


class FederalNsiError(Exception):
    """The service's answer could not be used; the message says why (Russian)."""


@dataclass(frozen=True)
class RemoteVersion:
    """The version of a book the service offers."""

    version: str
    published: Optional[date] = None


# -- addresses -----------------------------------------------------------------------------------------
def versions_url(base: str, code: str) -> str:
    return f"{base.rstrip('/')}/nsi-int/api/versions?" + urlencode({"identifier": code, "page": 1, "size": 200})


def packet_url(base: str, code: str, version: str) -> str:
    return f"{base.rstrip('/')}/nsi-int/api/data?" + urlencode({"identifier": code, "version": version})


# -- the list of versions ------------------------------------------------------------------------------
def _version_key(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in re.split(r"[.\-_ ]", text))


def latest_version(payload: Any, code: str) -> RemoteVersion:
    """The newest version of the answer of :func:`versions_url`: the latest publication date
    (then the highest version number) among the versions not marked ``archive``."""
    if isinstance(payload, dict):
        if str(payload.get("result", "")).lower() == "error":
            raise FederalNsiError(f"сервис НСИ не дал список версий {code}: {payload.get('resultText') or 'ошибка'}")
        items = payload.get("list")
    else:
        items = payload
    if not isinstance(items, list):
        raise FederalNsiError(f"сервис НСИ ответил на запрос версий {code} не списком версий")
    found = []
    for item in items:
        if not isinstance(item, dict) or item.get("version") in (None, ""):
            continue
        version = str(item["version"]).strip()
        published = parse_nsi_date(str(item.get("publishDate") or item.get("createDate") or "")[:10] or None)
        found.append((bool(item.get("archive")), published or date.min, _version_key(version), version, published))
    if not found:
        raise FederalNsiError(f"сервис НСИ не знает версий справочника {code}")
    current = [f for f in found if not f[0]] or found
    _, _, _, version, published = max(current, key=lambda f: (f[1], f[2]))
    return RemoteVersion(version, published)


# -- downloading -------------------------------------------------------------------------------------------
def _timeout_message(url: str, timeout: float) -> str:
    return f"сервис НСИ не ответил за {timeout:g} с ({url})"


def _open(url: str, timeout: float):
    request = urllib.request.Request(
        url,
        headers={"User-Agent": USER_AGENT, "Accept": "application/zip, application/xml, application/json, */*;q=0.1"},
    )
    try:
        return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 — http(s) of the setting
    except urllib.error.HTTPError as exc:
        exc.close()
        detail = f"HTTP {exc.code} {exc.reason or ''}".rstrip()
        raise FederalNsiError(f"сервис НСИ ответил ошибкой {detail} ({url})") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise FederalNsiError(_timeout_message(url, timeout)) from None
        raise FederalNsiError(f"сервис НСИ недоступен: {exc.reason} ({url})") from None
    except (TimeoutError, socket.timeout):
        raise FederalNsiError(_timeout_message(url, timeout)) from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise FederalNsiError(f"сервис НСИ недоступен: {exc} ({url})") from None


def download(url: str, dest: Path, *, timeout: float, max_bytes: int = MAX_DOWNLOAD_BYTES) -> str:
    """Stream the answer of ``url`` into ``dest`` (at most ``max_bytes``); returns its Content-Type.
    ``timeout``: seconds the service may stay silent (connecting, or between two parts)."""
    response = _open(url, timeout)
    size = 0
    try:
        with response, open(dest, "wb") as out:
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise FederalNsiError(f"ответ сервиса НСИ больше допустимого ({max_bytes // 1024**2} МБ): {url}")
                out.write(chunk)
            content_type = response.headers.get("Content-Type", "") or ""
    except FederalNsiError:
        dest.unlink(missing_ok=True)
        raise
    except (TimeoutError, socket.timeout):
        dest.unlink(missing_ok=True)
        raise FederalNsiError(_timeout_message(url, timeout)) from None
    except (OSError, http.client.HTTPException) as exc:
        dest.unlink(missing_ok=True)
        raise FederalNsiError(f"связь с сервисом НСИ прервалась: {exc} ({url})") from None
    return content_type


def read_json(url: str, *, timeout: float, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """A small JSON answer (the list of versions)."""
    response = _open(url, timeout)
    try:
        with response:
            body = response.read(max_bytes + 1)
    except (TimeoutError, socket.timeout):
        raise FederalNsiError(_timeout_message(url, timeout)) from None
    except (OSError, http.client.HTTPException) as exc:
        raise FederalNsiError(f"связь с сервисом НСИ прервалась: {exc} ({url})") from None
    if len(body) > max_bytes:
        raise FederalNsiError(f"ответ сервиса НСИ больше допустимого: {url}")
    if _looks_like_html(body):
        raise FederalNsiError(f"сервис НСИ вернул HTML-страницу вместо списка версий ({url})")
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise FederalNsiError(f"сервис НСИ вернул не JSON на запрос версий ({url})") from None


# -- the answer → a packet on disk -------------------------------------------------------------------
def _looks_like_html(head: bytes) -> bool:
    text = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<!doctype html", b"<html")) or b"<html" in text[:200]


def open_packet(path: Path, workdir: Path, *, code: str, version: str, published: Optional[date] = None) -> Path:
    """The ``<packet>`` XML file of a downloaded answer (``path``): the XML itself, the one XML
    file of a ZIP (extracted safely into ``workdir``), or the service's JSON rows written as a
    packet.  An HTML page, an empty answer or anything else is refused."""
    with open(path, "rb") as f:
        head = f.read(1024)
    if not head:
        raise FederalNsiError("сервис НСИ вернул пустой ответ")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _from_zip(path, workdir)
    if _looks_like_html(head):
        raise FederalNsiError("сервис НСИ вернул HTML-страницу вместо выгрузки справочника")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        return path
    if text.startswith((b"{", b"[")):
        return _from_json(path, workdir / f"{code}.xml", code=code, version=version, published=published)
    raise FederalNsiError("ответ сервиса НСИ не является выгрузкой справочника (ни ZIP, ни XML, ни JSON)")


def _from_zip(path: Path, workdir: Path) -> Path:
    try:
        with zipfile.ZipFile(path) as zf:
            members = [i for i in zf.infolist() if not i.is_dir()]
            xml = [i for i in members if i.filename.lower().endswith(".xml")]
            if len(xml) != 1:
                raise FederalNsiError(
                    f"в архиве от сервиса НСИ {len(xml)} XML-файлов, ожидается один (файлов всего: {len(members)})"
                )
            return extract_one(zf, xml[0], path.stat().st_size, workdir, MAX_UNPACKED_BYTES, MAX_RATIO)
    except ArchiveError as exc:
        raise FederalNsiError(f"архив от сервиса НСИ не принят: {exc.note}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError):
        raise FederalNsiError("архив от сервиса НСИ поврежден") from None


_TAG = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def _row_pairs(row: Any) -> list[tuple[str, Any]]:
    if isinstance(row, dict):
        return list(row.items())
    if isinstance(row, list):
        return [(str(c.get("column")), c.get("value")) for c in row if isinstance(c, dict) and c.get("column")]
    return []


def _from_json(path: Path, out: Path, *, code: str, version: str, published: Optional[date]) -> Path:
    """The JSON rows of the data address as a ``<packet>``: ``zglv`` names the book (its code),
    the version and the date; each row becomes a ``zap`` of its columns."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            payload = json.load(f)
    except (UnicodeDecodeError, ValueError):
        raise FederalNsiError("ответ сервиса НСИ поврежден: неверный JSON") from None
    if isinstance(payload, dict) and str(payload.get("result", "")).lower() == "error":
        raise FederalNsiError(f"сервис НСИ не выдал {code}: {payload.get('resultText') or 'ошибка'}")
    rows = payload.get("list") if isinstance(payload, dict) else payload
    if not isinstance(rows, list):
        raise FederalNsiError("ответ сервиса НСИ не содержит строк справочника")
    with etree.xmlfile(str(out), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("packet"):
            zglv = etree.Element("zglv")
            etree.SubElement(zglv, "type").text = code
            etree.SubElement(zglv, "version").text = version
            etree.SubElement(zglv, "date").text = f"{published:%d.%m.%Y}" if published else None
            xf.write(zglv)
            for row in rows:
                zap = etree.Element("zap")
                for column, value in _row_pairs(row):
                    if _TAG.match(column):
                        etree.SubElement(zap, column).text = None if value is None else str(value)
                xf.write(zap)
    return out
