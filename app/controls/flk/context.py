"""Everything a ФЛК rule may need besides the record itself."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple, Optional

from app.controls.catalogue import RuleBook
from app.controls.flk.registry import REGISTRY
from app.controls.values import to_date, to_int, tx
from app.formats.periods import VersionPeriod, period_start, required
from app.formats.record import Node
from app.nsi.lookup import NsiLookup

# <Type><Pi><Ni><Pp><Np>_<YY><MM><N>, Type = H|C|T|D?|L (L may carry the D letter: LP…)
_FILE_NAME = re.compile(r"^(H|C|T|D[A-Z]|L[A-Z]?)([MSTF])(\d+)([MSTF])(\d+)_(\d{2})(\d{2})(\d+)$")


class FileName(NamedTuple):
    type: str  # H, C, T, DP…, L
    pi: str  # sender type M/S/T/F
    ni: str  # sender code
    pp: str  # receiver type
    np: str  # receiver code
    yy: int
    mm: int
    n: str  # package number

    @property
    def kind(self) -> str:
        """H, C, T, X (any D-letter file) or L."""
        t = self.type
        if t.startswith("D"):
            return "X"
        return "L" if t.startswith("L") else t


def parse_file_name(name: Optional[str]) -> Optional[FileName]:
    """Parse ``HM140001S14001_2501011`` (extension ``.xml``/``.zip`` ignored); None if it does not
    follow the federal pattern.

    A tolerant twin of :func:`app.formats.names.parse_file_name` (which raises on any defect):
    the ФЛК must still compare the parts of a name whose month is e.g. ``13`` with SCHET
    (006F.00.0090) — the name's own format is reported by the structural checks."""
    if not name:
        return None
    base = name.strip()
    low = base.lower()
    if low.endswith((".xml", ".zip")):
        base = base[:-4]
    m = _FILE_NAME.match(base.upper())
    if not m:
        return None
    t, pi, ni, pp, np_, yy, mm, n = m.groups()
    return FileName(t, pi, ni, pp, np_, int(yy), int(mm), n)


def _stem(name: Optional[str]) -> Optional[str]:
    if not name:
        return None
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return base[:-4] if base.lower().endswith(".xml") else base


@dataclass
class FlkContext:
    """Context of one file check.

    Build it with :meth:`from_header` (or set the fields by hand in tests) *before* the first
    check; the active rule list is cached per (file kind, reporting period, rule book).
    """

    file_kind: str = "H"  # H, C, T, X (D-series); the L file goes with it
    version: Optional[str] = None  # ZL_LIST/ZGLV/VERSION
    file_name: Optional[str] = None  # ZL_LIST/ZGLV/FILENAME (main file, no extension)
    sender_mo: Optional[str] = None  # code of the МО that uploaded the archive
    year: Optional[int] = None  # SCHET/YEAR (reporting period)
    month: Optional[int] = None  # SCHET/MONTH
    today: date = field(default_factory=date.today)  # processing date
    nsi: Optional[NsiLookup] = None  # reference books; None → 001F/005F rules skipped
    rules: RuleBook = field(default_factory=RuleBook)  # the catalogue: which rules run, their messages
    # values of the headers used by record rules
    data: Optional[date] = None  # ZL_LIST/ZGLV/DATA
    dschet: Optional[date] = None  # SCHET/DSCHET
    plat: Optional[str] = None  # SCHET/PLAT
    code_mo: Optional[str] = None  # SCHET/CODE_MO
    l_data: Optional[date] = None  # PERS_LIST/ZGLV/DATA
    l_file_name: Optional[str] = None  # PERS_LIST/ZGLV/FILENAME
    l_version: Optional[str] = None  # PERS_LIST/ZGLV/VERSION
    # names of the XML members of the uploaded archive (002F.14.0010/0011)
    member_name: Optional[str] = None
    l_member_name: Optional[str] = None
    # «Версии форматов по периодам» (None: the defaults of app.formats.periods)
    periods: Optional[tuple[VersionPeriod, ...]] = None
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    # -- construction ----------------------------------------------------
    @classmethod
    def from_header(cls, header: Node, l_header: Optional[Node] = None, **kw) -> "FlkContext":
        """Context from the ZL_LIST header (and optionally the PERS_LIST header); keyword
        arguments (``sender_mo``, ``nsi``, ``today``, ``rules``, ``member_name`` …) win."""
        ctx = cls(**kw)
        ctx.update_from_header(header, override=False, explicit=set(kw))
        if l_header is not None:
            ctx.update_from_header(l_header, override=False, explicit=set(kw))
        return ctx

    def update_from_header(self, header: Node, *, override: bool = False, explicit=()) -> None:
        def put(name, value):
            if value is None or name in explicit:
                return
            if override or getattr(self, name) is None:
                setattr(self, name, value)

        zglv = header.child("ZGLV")
        if header.tag == "PERS_LIST":
            put("l_data", to_date(tx(zglv, "DATA")))
            put("l_version", tx(zglv, "VERSION"))
            put("l_file_name", tx(zglv, "FILENAME"))
            self._cache.clear()
            return
        schet = header.child("SCHET")
        put("version", tx(zglv, "VERSION"))
        fname = tx(zglv, "FILENAME")
        put("file_name", fname)
        put("data", to_date(tx(zglv, "DATA")))
        put("year", to_int(tx(schet, "YEAR")))
        put("month", to_int(tx(schet, "MONTH")))
        put("dschet", to_date(tx(schet, "DSCHET")))
        put("plat", tx(schet, "PLAT"))
        put("code_mo", tx(schet, "CODE_MO"))
        parsed = parse_file_name(fname)
        if parsed is not None and parsed.kind in "HCTX" and "file_kind" not in explicit:
            self.file_kind = parsed.kind
        self._cache.clear()

    # -- derived ---------------------------------------------------------
    @property
    def rule_date(self) -> date:
        """Date that selects the rule versions: first day of the reporting month, else today."""
        if self.year and self.month and 1 <= self.month <= 12 and 1900 < self.year < 3000:
            return date(self.year, self.month, 1)
        return self.today

    @property
    def parsed_name(self) -> Optional[FileName]:
        key = ("parsed name", self.file_name)  # record rules ask for it on every record
        if key not in self._cache:
            self._cache[key] = parse_file_name(self.file_name)
        return self._cache[key]

    @property
    def member_stem(self) -> Optional[str]:
        return _stem(self.member_name)

    @property
    def l_member_stem(self) -> Optional[str]:
        return _stem(self.l_member_name)

    def required_version(self, kind: str) -> Optional[VersionPeriod]:
        """The row that fixes the version of ``kind`` for this file's reporting period (None: the
        header gives no real period, or no row covers it)."""
        return required(kind, period_start(self.year, self.month), self.periods)

    def active(self, scope: str) -> tuple:
        """The rules of a scope in force for this file (file kind, reporting period, catalogue)."""
        key = (scope, self.file_kind, self.rule_date, id(self.rules))
        specs = self._cache.get(key)
        if specs is None:
            every = REGISTRY.all()
            if self.rules.extra:  # the official rows the catalogue defines (app/controls/official)
                every = sorted([*every, *filter(self._in_definition, self.rules.extra)], key=lambda s: s.code)
            specs = self._cache[key] = self.rules.active(every, scope, self.file_kind, self.rule_date)
        return specs

    def _in_definition(self, spec) -> bool:
        """An interpreted rule runs on files whose format has its element: Q015 v2.2 rules on
        USL/PRVS do not apply to a 5.x file, where PRVS moved into MR_USL_N."""
        from app.controls.official.elements import definition_paths

        if spec.target == "L":
            paths = definition_paths("L", self.l_version or self.version)
        else:
            paths = definition_paths(self.file_kind, self.version)
        return paths is None or spec.element_path in paths

    def record_rules(self, with_person: bool) -> tuple:
        """The active ``record`` rules written in code; without the record's person, those on PERS
        elements are left out (they need it).  The interpreted ones run through
        :meth:`official_dispatch`."""
        key = ("record", self.file_kind, self.rule_date, id(self.rules), with_person)
        specs = self._cache.get(key)
        if specs is None:
            specs = self._cache[key] = tuple(
                s for s in self.active("record") if (with_person or s.target != "L") and not s.dispatched
            )
        return specs

    def person_rules(self) -> tuple:
        """The active ``person`` rules written in code (the interpreted ones: :meth:`official_dispatch`)."""
        key = ("person-code", self.file_kind, self.rule_date, id(self.rules))
        specs = self._cache.get(key)
        if specs is None:
            specs = self._cache[key] = tuple(s for s in self.active("person") if not s.dispatched)
        return specs

    def official_dispatch(self, scope: str = "record"):
        """The active ``record`` (or ``person``) rules compiled from official rows, keyed by element
        (None: none)."""
        key = ("official", scope, self.file_kind, self.rule_date, id(self.rules))
        if key not in self._cache:
            from app.controls.flk.dispatch import ROOTS, Dispatch

            specs = [s for s in self.active(scope) if s.dispatched]
            self._cache[key] = Dispatch(specs, "/".join(ROOTS[scope])) if specs else None
        return self._cache[key]
