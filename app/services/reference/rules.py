"""The control rule catalogue in the database: seeded from the rules the code implements,
switched on/off by the fund, texts and dates updated from the official Q015/Q016 XML."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable

from sqlalchemy import select

from app.controls.catalogue import RuleBook, RuleSetting
from app.controls.finding import STAGE_FLK
from app.controls.hints import default_hint
from app.controls.rule_tables import iter_rule_table
from app.core import audit
from app.extensions import db
from app.formats import codes as format_codes
from app.models.reference import ControlRule
from app.models.user import OmsUser
from app.services.reference import format_versions

_FEDERAL = re.compile(r"^\d{3}[FK]\.00\.\d{4}$")
# the reader's file-level checks and the structural checks cannot be switched off
ALWAYS_ON = {
    format_codes.XML,
    format_codes.DOCTYPE,
    format_codes.ENCODING,
    format_codes.VERSION,
    format_codes.ROOT,
    format_codes.SIZE,
    format_codes.TOO_LONG,
}


def implemented_rules() -> list[dict]:
    """Every rule the code implements, as catalogue rows (ФЛК and МЭК)."""
    from app.controls.flk import catalogue

    rows = []
    for code, title in format_codes.TITLES.items():
        rows.append(
            dict(
                code=code,
                stage=STAGE_FLK,
                element=None,
                file_types="HCTXL",
                message=title,
                valid_from=None,
                valid_to=None,
                source="structure",
            )
        )
    for spec in catalogue():
        rows.append(
            dict(
                code=spec.code,
                stage=STAGE_FLK,
                element=spec.element_path,
                file_types="".join(sorted(spec.file_types)),
                message=spec.message[:500],
                valid_from=spec.valid_from,
                valid_to=spec.valid_to,
                source="Q015" if _FEDERAL.match(spec.code) else "regional",
            )
        )
    rows += mek_rules()
    return rows


def mek_rules() -> list[dict]:
    """The МЭК rules (stage «МЭК»), with their F014 reason and the share of the sum they withhold."""
    from app.controls.finding import STAGE_MEK
    from app.controls.mek import catalogue as mek_catalogue

    return [
        dict(
            code=spec.code,
            stage=STAGE_MEK,
            element=spec.element_path,
            file_types=spec.file_types,
            message=spec.message[:500],
            valid_from=spec.valid_from,
            valid_to=spec.valid_to,
            source="Q016" if _FEDERAL.match(spec.code) else "regional",
            refusal_code=spec.refusal,
            withhold_share=spec.share,
        )
        for spec in mek_catalogue()
    ]


def sync_catalogue() -> dict:
    """Insert the implemented rules missing from the catalogue (texts the fund changed stay)."""
    existing = {r.code: r for r in db.session.query(ControlRule).all()}
    added = 0
    implemented = set()
    for row in implemented_rules():
        implemented.add(row["code"])
        rule = existing.get(row["code"])
        if rule is None:
            rule = ControlRule(enabled=True, implemented=True, **row)
            db.session.add(rule)
            added += 1
        else:
            rule.implemented = True
        if not rule.hint:  # a hint the fund wrote stays
            rule.hint = default_hint(rule.code, rule.element or "", rule.message)
    added += _store_newer_rows(existing)
    for code, rule in existing.items():
        if code not in implemented:
            rule.implemented = _compiles(rule)
    db.session.commit()
    return {"rules": len(implemented), "added": added, "format_versions_added": format_versions.ensure_defaults()}


def _store_newer_rows(existing: dict[str, ControlRule]) -> int:
    """The project's rows for Q015 codes newer than the official table
    (:mod:`app.controls.official.newer`), unless an imported Q015 defines the code: an official row
    replaces ours, never the other way round.  Returns how many were added."""
    from app.controls.official import definition_of
    from app.controls.official.newer import NEWER_ROWS, SOURCE

    added = 0
    for row in NEWER_ROWS:
        rule = existing.get(row["code"])
        if rule is not None and rule.definition and rule.source != SOURCE:
            continue
        rule, _problem_text, is_new = _store_official(rule, row, definition_of(row), source=SOURCE)
        existing[row["code"]] = rule
        added += int(is_new)
    return added


def _compiles(rule: ControlRule) -> bool:
    """An official row stored by ``oms import-rules`` that the interpreter compiles (its ``problem``
    says why not)."""
    if rule.stage != STAGE_FLK or not rule.definition:
        return False
    rule.problem = _problem(rule)
    return rule.problem is None


def _problem(rule: ControlRule) -> str | None:
    """Why the official row of ``rule`` does not compile (None: it does)."""
    from app.controls.official import NotCompiled

    try:
        _compiled(_row_of(rule))
    except NotCompiled as exc:
        return str(exc)[:250]
    return None


def hints(codes: Iterable[str]) -> dict[str, str]:
    """The hints of these rule codes (those the catalogue has)."""
    codes = list(set(codes))
    if not codes:
        return {}
    rows = db.session.execute(
        select(ControlRule.code, ControlRule.hint).where(ControlRule.code.in_(codes), ControlRule.hint.is_not(None))
    ).all()
    return dict(rows)


def rule_book(stage: str) -> RuleBook:
    """What the catalogue says of the rules of ``stage`` («ФЛК» or «МЭК»), for one load: on/off,
    messages, validity dates, and the МЭК's F014 reasons and shares.  An empty catalogue (``oms
    sync-rules`` not run) gives an empty book: every implemented rule runs with its own defaults."""
    rows = db.session.execute(
        select(
            ControlRule.code,
            ControlRule.enabled,
            ControlRule.message,
            ControlRule.valid_from,
            ControlRule.valid_to,
            ControlRule.refusal_code,
            ControlRule.withhold_share,
        ).where(ControlRule.stage == stage)
    ).all()
    settings = {
        r.code: RuleSetting(
            enabled=bool(r.enabled),
            message=r.message,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
            refusal=r.refusal_code,
            share=r.withhold_share,
        )
        for r in rows
    }
    return RuleBook(settings, extra=official_rules() if stage == STAGE_FLK else ())


_COMPILED: dict[tuple, object] = {}


def _compiled(row: dict) -> object:
    """The rule of an official row (compiled once per process and row text)."""
    from app.controls.official import compile_row

    key = tuple(sorted((k, str(v)) for k, v in row.items()))
    spec = _COMPILED.get(key)
    if spec is None:
        if len(_COMPILED) > 5000:
            _COMPILED.clear()
        spec = _COMPILED[key] = compile_row(row)
    return spec


def _row_of(rule: ControlRule) -> dict:
    row = dict(json.loads(rule.definition))
    row.update(
        code=rule.code,
        element=rule.element or "",
        file_types=rule.file_types or "",
        message=rule.message,
        valid_from=rule.valid_from,
        valid_to=rule.valid_to,
    )
    return row


def official_rules() -> tuple:
    """The rules compiled from the official rows of the catalogue, except the codes written in
    code (those win).  A row that no longer compiles is left out (``oms import-rules`` reports it)."""
    from app.controls.flk.registry import REGISTRY
    from app.controls.official import NotCompiled

    out = []
    for rule in (
        db.session.query(ControlRule)
        .filter(ControlRule.stage == STAGE_FLK, ControlRule.definition.is_not(None), ControlRule.implemented.is_(True))
        .order_by(ControlRule.code)
    ):
        if rule.code in REGISTRY:
            continue
        try:
            out.append(_compiled(_row_of(rule)))
        except NotCompiled:
            continue
    return tuple(out)


#: the file types of МО files: cases (C, H, T, D-series X) and personal data (L)
MO_FILE_TYPES = "CHTXL"


def coverage(rows: list[tuple[str, str, bool]]) -> dict:
    """Implemented / applicable per family (the code's first four characters, e.g. ``003F``), per
    file type and in all, of rows ``(code, file_types, implemented)`` that are applicable: active
    (no DATEEND) and for at least one МО file type."""
    total = [0, 0]
    families: dict[str, list[int]] = {}
    file_types: dict[str, list[int]] = {t: [0, 0] for t in MO_FILE_TYPES}
    for code, types, implemented in rows:
        buckets = [total, families.setdefault(code[:4], [0, 0])] + [file_types[t] for t in MO_FILE_TYPES if t in types]
        for bucket in buckets:
            bucket[0] += int(implemented)
            bucket[1] += 1
    return {
        "implemented": total[0],
        "applicable": total[1],
        "families": {k: tuple(v) for k, v in sorted(families.items())},
        "file_types": {k: tuple(v) for k, v in file_types.items() if v[1]},
    }


def without_data_reason(code: str) -> str | None:
    """Why a Q016 check is not run (:mod:`app.controls.mek.without_data`), or None."""
    from app.controls.mek.without_data import reason

    return reason(code)


def import_rule_table(path: Path) -> dict:
    """Update the catalogue from an official Q015/Q016 (or regional Q022/Q023) ``<packet>``: texts,
    element paths and dates of the rules written in code; for a Q015 row the code does not have, the
    row itself — stored with its check columns and compiled (:mod:`app.controls.official`): a row
    that compiles is a rule from the next load on, one that does not is reported with the reason and
    stays off.  Returns the codes not implemented, the reasons, and the coverage of the table's
    applicable rules (:func:`coverage`)."""
    from app.controls.flk.registry import REGISTRY
    from app.controls.official import definition_of

    rules = {r.code: r for r in db.session.query(ControlRule).all()}
    updated, added, not_implemented, total = 0, 0, [], 0
    problems: dict[str, str] = {}
    applicable: list[tuple[str, str, bool]] = []
    for row in iter_rule_table(path):
        total += 1
        code = row["code"]
        rule = rules.get(code)
        mo_row = bool(set(row["file_types"]) & set(MO_FILE_TYPES))
        if row.get("kind") == "Q015" and code not in REGISTRY and mo_row and _FEDERAL.match(code):
            rule, problem, is_new = _store_official(rule, row, definition_of(row))
            rules[code] = rule
            added += int(is_new)
            if problem:
                problems[code] = problem
        done = rule is not None and rule.implemented
        if row.get("valid_to") is None and mo_row:
            applicable.append((code, row["file_types"], done))
        if not done:
            not_implemented.append(code)
            continue
        if row.get("message"):
            rule.message = row["message"][:500]
        if row.get("element"):
            rule.element = row["element"][:250]
        rule.valid_from = row.get("valid_from") or rule.valid_from
        rule.valid_to = row.get("valid_to")
        updated += 1
    db.session.commit()
    for code in not_implemented:
        if code not in problems and (why := without_data_reason(code)):
            problems[code] = why
    return {
        "rows": total,
        "updated": updated,
        "added": added,
        "not_implemented": sorted(set(not_implemented)),
        "problems": dict(sorted(problems.items())),
        "coverage": coverage(applicable),
        "family_notes": family_notes(),
    }


def family_notes() -> dict[str, str]:
    """Why whole families of Q016 are not run (:data:`app.controls.mek.without_data.FAMILY_REASONS`)."""
    from app.controls.mek.without_data import FAMILY_REASONS

    return dict(FAMILY_REASONS)


def _store_official(
    rule: ControlRule | None, row: dict, definition: str, source: str = "Q015"
) -> tuple[ControlRule, str | None, bool]:
    """The catalogue row of an official Q015 row the ФЛК interprets; ``(rule, problem, is_new)``."""
    types = "".join(t for t in MO_FILE_TYPES if t in row["file_types"])
    is_new = rule is None
    if is_new:
        rule = ControlRule(code=row["code"], stage=STAGE_FLK, source=source, enabled=True)
        db.session.add(rule)
    rule.source = source
    rule.definition = definition
    rule.element = (row.get("element") or "")[:250]
    rule.file_types = types
    rule.message = (row.get("message") or row["code"])[:500]
    rule.valid_from = row.get("valid_from")
    rule.valid_to = row.get("valid_to")
    rule.problem = problem = _problem(rule)
    rule.implemented = problem is None
    if not rule.hint:
        rule.hint = default_hint(rule.code, rule.element or "", rule.message)
    return rule, problem, is_new


def record_rule_edit(user: OmsUser, rule: ControlRule) -> None:
    """The audit row of a rule edited in «Правила контроля» (the edit's own transaction commits it;
    the next load reads the catalogue anew)."""
    audit.record(
        "rules_changed",
        user=user,
        object_type="ControlRule",
        object_id=rule.code,
        details={
            "enabled": rule.enabled,
            "message": rule.message,
            "valid_from": rule.valid_from,
            "valid_to": rule.valid_to,
            "refusal_code": rule.refusal_code,
            "withhold_share": rule.withhold_share,
            "hint": rule.hint,
        },
    )


def switch_rules(codes: list[str], enabled: bool, user: OmsUser) -> int:
    """Switch rules on or off (the reader's and structural checks stay on); audited."""
    codes = [c for c in codes if c not in ALWAYS_ON]
    rules = db.session.query(ControlRule).filter(ControlRule.code.in_(codes)).all()
    for rule in rules:
        rule.enabled = enabled
    if rules:
        audit.record(
            "rules_changed",
            user=user,
            object_type="ControlRule",
            details={"enabled": enabled, "codes": [r.code for r in rules]},
        )
    db.session.commit()
    return len(rules)
