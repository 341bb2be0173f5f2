"""The pages of «Аналитика» as page objects (one call per page for the view), and each of their
tables as rows for the XLSX file (:func:`export_table`): the same figures, the same scope.

The pages: «Обзор» (the sources' totals, «Главные причины потерь», the trend of 12 months and the
costliest rules as charts), «По правилам», «По месяцам», and the breakdowns by subdivision, by
payer and by МО (which of them a user gets depends on who he is); «Случаи» lists the cases behind a
figure.  A period selector offers the periods with figures in the user's scope, the latest by default."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Mapping, Optional

from app.core.formatting import format_datetime, format_period
from app.errors import parse_id, parse_page, parse_period
from app.models.analytics import RefusalSource
from app.models.user import OmsUser
from app.models.vocabulary import OrgKind
from app.security.scope import Scope
from app.services.accounts.people import display_name
from app.services.analytics import cases as refused
from app.services.analytics import figures, svg
from app.services.analytics.figures import CodeRow, Figure, GroupRow, Selection

TOP_LOSSES = 10  # «Главные причины потерь»
CHART_CODES = 15  # bars of the chart of «По правилам»
COLOURS = {
    RefusalSource.FLK: svg.COLOURS[0],
    RefusalSource.MEK: svg.COLOURS[1],
    RefusalSource.PAYER: svg.COLOURS[2],
    RefusalSource.ALL: svg.COLOURS[3],
}
#: the stage selector: (value, label); empty: every source
SOURCES = (("", "Все источники"),) + tuple((s.value, s.label) for s in figures.REFUSALS)
TAB_LABELS = {
    "overview": "Обзор",
    "codes": "По правилам",
    "months": "По месяцам",
    "organisations": "По МО",
    "subdivisions": "По подразделениям",
    "payers": "По плательщикам",
}
GROUP_TITLES = {
    "organisations": ("МО", "Отказы по МО"),
    "subdivisions": ("Подразделение", "Отказы по подразделениям"),
    "payers": ("Плательщик", "Отказы по плательщикам (СМО)"),
}


# -- the frame of every page: the selection and what the selectors offer ----------------------------------
@dataclass
class Frame:
    selection: Selection
    periods: list[tuple[str, str]]  # (ГГГГ-ММ, ММ.ГГГГ)
    organisations: list[tuple[int, str]]  # the МО selector (ТФОМС, СМО); empty for an МО
    tabs: list[tuple[str, str]]
    has_data: bool

    @property
    def period_label(self) -> str:
        return format_period(self.selection.period)

    @property
    def stage_label(self) -> str:
        return dict(SOURCES).get(self.selection.stage, "")

    @property
    def organisation_label(self) -> str:
        return dict(self.organisations).get(self.selection.organisation_id, "")

    def args(self, **extra: object) -> dict[str, str]:
        """The query arguments that keep the selection (for links and the XLSX)."""
        sel = self.selection
        out = {"period": sel.period}
        if sel.stage:
            out["stage"] = sel.stage
        if sel.organisation_id:
            out["mo"] = str(sel.organisation_id)
        out.update({k: str(v) for k, v in extra.items() if v is not None and v != ""})
        return out


def tabs_of(user: OmsUser) -> list[str]:
    scope = Scope.of(user)
    names = ["overview", "codes", "months"]
    if scope.kind == OrgKind.MO:
        names += [] if scope.subdivision_id else ["subdivisions"]
        names += ["payers"]
    elif scope.kind == OrgKind.SMO:
        names += ["organisations"]
    elif scope.is_tfoms:
        names += ["organisations", "subdivisions", "payers"]
    return names


def selection_of(user: OmsUser, args: Mapping[str, str], known: Optional[list[tuple[int, int]]] = None) -> Selection:
    """The selection from the query's arguments: ``period`` (ГГГГ-ММ; the latest with figures when
    absent or wrong), ``stage`` (a source, else every one), ``mo`` (an МО's id, for the ТФОМС and the
    СМО: the scope holds whatever is given)."""
    period = parse_period(args.get("period"))
    if period is None:
        known = figures.periods(user) if known is None else known
        today = dt.date.today()
        period = known[0] if known else (today.year, today.month)
    stage = args.get("stage") or ""
    if stage not in figures.REFUSALS:
        stage = ""
    mo = parse_id(args.get("mo") or "") if Scope.of(user).kind != OrgKind.MO else None
    return Selection(period[0], period[1], stage, mo if isinstance(mo, int) else None)


def frame_of(user: OmsUser, args: Mapping[str, str]) -> Frame:
    known = figures.periods(user)
    sel = selection_of(user, args, known)
    offered = known if (sel.year, sel.month) in known else sorted([*known, (sel.year, sel.month)], reverse=True)
    orgs = figures.organisations(user) if Scope.of(user).kind != OrgKind.MO else []
    return Frame(
        selection=sel,
        periods=[(f"{y}-{m:02d}", f"{m:02d}.{y}") for y, m in offered],
        organisations=orgs,
        tabs=[(name, TAB_LABELS[name]) for name in tabs_of(user)],
        has_data=bool(known),
    )


# -- «Обзор» ---------------------------------------------------------------------------------------------------
@dataclass
class TotalLine:
    source: str
    label: str
    cases: int
    amount: Decimal
    case_share: Optional[Decimal]  # of every case, %
    amount_share: Optional[Decimal]  # of the declared sum, %


@dataclass
class Overview:
    frame: Frame
    totals: list[TotalLine]
    lost: Decimal  # ФЛК + МЭК
    lost_share: Optional[Decimal]
    top: list[CodeRow]
    trend_chart: str
    codes_chart: str


def percent(value: Optional[Decimal]) -> str:
    """A share as the pages show it: «12,3 %», «—» when there is no base."""
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + "\u00a0%"


def _share(part: Decimal | int, whole: Decimal | int) -> Optional[Decimal]:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1")) if whole else None


TOTAL_LABELS = {
    RefusalSource.ALL: "Всего случаев (заявлено)",
    RefusalSource.FLK: "Отклонено на ФЛК",
    RefusalSource.MEK: "Снято по МЭК (в том числе по результатам МЭК плательщика)",
    RefusalSource.PAYER: "в том числе по результатам МЭК плательщика",
}


def total_lines(found: dict[str, Figure]) -> list[TotalLine]:
    base = found.get(RefusalSource.ALL) or Figure()
    return [
        TotalLine(
            source,
            TOTAL_LABELS[source],
            (found.get(source) or Figure()).cases,
            (found.get(source) or Figure()).amount,
            _share((found.get(source) or Figure()).cases, base.cases) if source != RefusalSource.ALL else None,
            _share((found.get(source) or Figure()).amount, base.amount) if source != RefusalSource.ALL else None,
        )
        for source in (RefusalSource.ALL, *figures.REFUSALS)
    ]


def _trend_chart(months: list[GroupRow], sel: Selection, title: str, of_cases: bool = False) -> str:
    sources = [sel.stage] if sel.stage else list(figures.REFUSALS)

    def value(m: GroupRow, s: str) -> Optional[Decimal | int]:
        if not m.of(RefusalSource.ALL).cases:
            return None  # no case loaded that month: no point rather than a zero
        return m.of(s).cases if of_cases else m.of(s).amount

    series = [svg.Series(RefusalSource.label_of(s), [value(m, s) for m in months], COLOURS[s]) for s in sources]
    return svg.line_chart(
        [m.name for m in months],
        series,
        title=title,
        value_text=svg.count_text if of_cases else svg.money_text,
    )


def _codes_chart(rows: list[CodeRow], title: str) -> str:
    bars = [
        svg.Bar(f"{r.code} ({r.source_label})", r.amount, COLOURS.get(r.stage, svg.COLOURS[0]), r.hint)
        for r in rows
        if r.amount
    ]
    return svg.bar_chart(bars, title=title)


def overview_page(user: OmsUser, args: Mapping[str, str]) -> Overview:
    frame = frame_of(user, args)
    sel = frame.selection
    found = figures.totals(user, sel)
    lost = sum(((found.get(s) or Figure()).amount for s in figures.LOSSES), Decimal("0.00"))
    top = figures.by_code(user, sel, limit=TOP_LOSSES)
    months = figures.by_month(user, sel)
    return Overview(
        frame=frame,
        totals=total_lines(found),
        lost=lost,
        lost_share=_share(lost, (found.get(RefusalSource.ALL) or Figure()).amount),
        top=top,
        trend_chart=_trend_chart(months, sel, f"Снято за 12 месяцев по {frame.period_label}, руб."),
        codes_chart=_codes_chart(top, f"Главные причины потерь за {frame.period_label}, руб."),
    )


# -- «По правилам», «По месяцам», the breakdowns ---------------------------------------------------------------
@dataclass
class CodesPage:
    frame: Frame
    rows: list[CodeRow]
    chart: str
    total_amount: Decimal = Decimal("0.00")


def codes_page(user: OmsUser, args: Mapping[str, str]) -> CodesPage:
    frame = frame_of(user, args)
    rows = figures.by_code(user, frame.selection)
    chart = _codes_chart(rows[:CHART_CODES], f"Правила с наибольшими суммами за {frame.period_label}, руб.")
    return CodesPage(frame, rows, chart, sum((r.amount for r in rows), Decimal("0.00")))


@dataclass
class MonthsPage:
    frame: Frame
    rows: list[GroupRow]
    sums_chart: str
    cases_chart: str


def months_page(user: OmsUser, args: Mapping[str, str]) -> MonthsPage:
    frame = frame_of(user, args)
    rows = figures.by_month(user, frame.selection)
    last = frame.period_label
    return MonthsPage(
        frame,
        rows,
        _trend_chart(rows, frame.selection, f"Сумма отказов за 12 месяцев по {last}, руб."),
        _trend_chart(rows, frame.selection, f"Случаев с отказами за 12 месяцев по {last}", of_cases=True),
    )


@dataclass
class GroupsPage:
    frame: Frame
    by: str
    column: str
    title: str
    rows: list[GroupRow]
    chart: str

    def drill_args(self, row: GroupRow) -> dict[str, object]:
        """The list of cases of a row: its МО, subdivision or payer."""
        if self.by == "organisations":
            return {"mo": row.key}
        if self.by == "subdivisions":
            return {"mo": row.organisation_id, "sub": row.key}
        return {"payer": row.key}


def groups_page(user: OmsUser, args: Mapping[str, str], by: str) -> Optional[GroupsPage]:
    """A breakdown the user may have (None: not one of his tabs)."""
    if by not in figures.GROUPS or by not in tabs_of(user):
        return None
    frame = frame_of(user, args)
    rows = figures.by_group(user, frame.selection, by)
    column, title = GROUP_TITLES[by]
    bars = [svg.Bar(r.name, r.lost, COLOURS[RefusalSource.FLK]) for r in rows[:CHART_CODES] if r.lost]
    chart = svg.bar_chart(bars, title=f"Потери (ФЛК и МЭК) за {frame.period_label}, руб.")
    return GroupsPage(frame, by, column, title, rows, chart)


# -- the cases behind a figure ------------------------------------------------------------------------------
@dataclass
class CasesPage:
    frame: Frame
    stage: str
    code: str
    described: Optional[CodeRow]
    dims: refused.Dimensions
    rows: list[refused.RefusedCase] = field(default_factory=list)
    total: int = 0
    page: int = 0
    pages: int = 0

    @property
    def stage_label(self) -> str:
        return RefusalSource.label_of(self.stage)

    def args(self, **extra: object) -> dict[str, str]:
        return self.frame.args(
            stage=self.stage,
            code=self.code,
            sub=self.dims.subdivision_id,
            payer=self.dims.payer_id,
            **extra,
        )


def _dimension(value: Optional[str]) -> Optional[int]:
    text = (value or "").strip()
    if text == "0":
        return 0
    parsed = parse_id(text) if text else None
    return parsed if isinstance(parsed, int) else None


def cases_request(user: OmsUser, args: Mapping[str, str]) -> tuple[Frame, str, str, refused.Dimensions]:
    frame = frame_of(user, args)
    stage = frame.selection.stage or RefusalSource.FLK
    code = (args.get("code") or "").strip()[:20]
    dims = refused.Dimensions(_dimension(args.get("sub")), _dimension(args.get("payer")))
    return frame, stage, code, dims


def cases_page(user: OmsUser, args: Mapping[str, str], size: int = refused.PAGE_SIZE) -> CasesPage:
    frame, stage, code, dims = cases_request(user, args)
    sel = frame.selection
    total = refused.count(user, sel, stage, code, dims)
    pages = max(1, math.ceil(total / size))
    page = min(parse_page(args.get("page"), size), pages - 1)
    return CasesPage(
        frame=frame,
        stage=stage,
        code=code,
        described=figures.code_of(user, sel, stage, code) if code else None,
        dims=dims,
        rows=refused.page_of(user, sel, stage, code, dims, page, size),
        total=total,
        page=page,
        pages=pages,
    )


# -- XLSX ----------------------------------------------------------------------------------------------------
EXPORT_ROW_LIMIT = 100_000
TABLES = ("overview", "top", "codes", "months", "organisations", "subdivisions", "payers", "cases")


@dataclass
class Table:
    title: str
    notes: list[str]
    headers: list[str]
    rows: list[list]

    @property
    def file_name(self) -> str:
        return f"Аналитика {self.title} {dt.date.today():%d.%m.%Y}"


def _notes(user: OmsUser, frame: Frame, *more: str) -> list[str]:
    notes = [f"Период: {frame.period_label}"]
    if frame.selection.stage:
        notes.append(f"Источник: {frame.stage_label}")
    if frame.organisation_label:
        notes.append(f"МО: {frame.organisation_label}")
    notes += [m for m in more if m]
    who = display_name(getattr(user, "first_name", None), getattr(user, "last_name", None))
    notes.append(f"Выгружено {format_datetime(dt.datetime.now())}, пользователь {who}")
    return notes


CODE_HEADERS = ["Источник", "Код", "Ошибка", "Что исправить", "Случаев", "Снято, руб."]
FIGURE_HEADERS = [
    "Всего случаев",
    "Заявлено, руб.",
    "ФЛК: случаев",
    "ФЛК: снято, руб.",
    "МЭК: случаев",
    "МЭК: снято, руб.",
    "МЭК плательщика: случаев",
    "МЭК плательщика: снято, руб.",
    "Потери (ФЛК и МЭК), руб.",
    "Доля потерь, %",
]


def _code_cells(r: CodeRow) -> list:
    return [r.source_label, r.code, r.message, r.hint, r.cases, r.amount]


def _figure_cells(g: GroupRow) -> list:
    cells: list = [g.of(RefusalSource.ALL).cases, g.of(RefusalSource.ALL).amount]
    for s in figures.REFUSALS:
        cells += [g.of(s).cases, g.of(s).amount]
    return cells + [g.lost, g.lost_share]


def export_table(user: OmsUser, kind: str, args: Mapping[str, str]) -> Optional[Table]:
    """The rows of one table of the pages as shown (None: not a table the user has)."""
    if kind == "overview":
        page = overview_page(user, args)
        rows = [[t.label, t.cases, t.amount, t.case_share, t.amount_share] for t in page.totals]
        headers = ["Показатель", "Случаев", "Сумма, руб.", "Доля случаев, %", "Доля суммы, %"]
        return Table("Обзор", _notes(user, page.frame), headers, rows)
    if kind == "top":
        frame = frame_of(user, args)
        rows = figures.by_code(user, frame.selection, limit=TOP_LOSSES)
        return Table("Главные причины потерь", _notes(user, frame), CODE_HEADERS, [_code_cells(r) for r in rows])
    if kind == "codes":
        frame = frame_of(user, args)
        rows = figures.by_code(user, frame.selection)
        return Table("По правилам", _notes(user, frame), CODE_HEADERS, [_code_cells(r) for r in rows])
    if kind == "months":
        frame = frame_of(user, args)
        rows = figures.by_month(user, frame.selection)
        return Table(
            "По месяцам",
            _notes(user, frame, "12 месяцев по выбранный период"),
            ["Месяц", *FIGURE_HEADERS],
            [[g.name, *_figure_cells(g)] for g in rows],
        )
    if kind in figures.GROUPS:
        page = groups_page(user, args, kind)
        if page is None:
            return None
        return Table(
            TAB_LABELS[kind],
            _notes(user, page.frame),
            [page.column, *FIGURE_HEADERS],
            [[g.name, *_figure_cells(g)] for g in page.rows],
        )
    if kind == "cases":
        frame, stage, code, dims = cases_request(user, args)
        sel = frame.selection
        total = refused.count(user, sel, stage, code, dims)
        rows = refused.page_of(user, sel, stage, code, dims, 0, EXPORT_ROW_LIMIT)
        more = f"Выгружены не все строки: {len(rows)} из {total}" if total > len(rows) else ""
        title = f"Случаи {RefusalSource.label_of(stage)}" + (f" {code}" if code else "")
        return Table(
            title,
            _notes(user, frame, f"Код: {code}" if code else "", more),
            CASE_HEADERS,
            [_case_cells(c) for c in rows],
        )
    return None


CASE_HEADERS = [
    "МО",
    "№ истории болезни",
    "№ записи",
    "№ случая",
    "ФИО",
    "Дата рождения",
    "Полис / ЕНП",
    "Начало лечения",
    "Окончание лечения",
    "Диагноз",
    "Сумма, руб.",
    "Снято, руб.",
    "Статус",
    "Коды",
]


def _case_cells(c: refused.RefusedCase) -> list:
    return [
        c.organisation,
        c.nhistory,
        c.n_zap,
        c.idcase,
        c.patient,
        c.birth_date,
        c.policy,
        c.date_z_1,
        c.date_z_2,
        c.ds1,
        c.sumv,
        c.lost,
        c.status,
        c.codes,
    ]
