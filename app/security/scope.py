"""Row scoping, done once: the rules (pure; the models import them).

Each scoped model declares ``__scope__ = ScopeRule(...)``: which column ties a row to the МО,
to the МО's subdivision and to the СМО.  :class:`Scope` is what a user may see; ``Scope.clause``
turns the two into a SQL condition used by list views, show/edit/delete, actions, bulk actions,
REST APIs, related and search dropdowns, downloads and services alike.

- ТФОМС users see every row;
- МО users see rows whose ``mo`` column is their organisation; a login limited to a subdivision
  also needs the ``subdivision`` column to be its subdivision (where the model has one);
- СМО users see rows whose ``smo`` column is their organisation;
- a user without an organisation sees nothing.

The request's scope, the list filter and the scoped lookup are in :mod:`app.security.request_scope`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from sqlalchemy import and_, false, true
from sqlalchemy.sql.elements import ColumnElement

from app.models.vocabulary import OrgKind


@dataclass(frozen=True)
class ScopeRule:
    mo: Optional[str] = None  # column holding the МО's organisation id
    subdivision: Optional[str] = None  # column holding the subdivision id
    smo: Optional[str] = None  # column holding the СМО's organisation id
    # a model-specific condition (model, scope) -> clause, for relations the columns cannot express
    custom: Optional[Callable[[Any, "Scope"], ColumnElement]] = None


@dataclass(frozen=True)
class Scope:
    kind: Optional[str]
    organisation_id: Optional[int]
    subdivision_id: Optional[int] = None

    @classmethod
    def of(cls, user) -> "Scope":
        if user is None or not getattr(user, "is_authenticated", True):
            return cls(None, None, None)
        org = getattr(user, "organisation", None)
        if org is None:
            return cls(None, None, None)
        return cls(org.kind, org.id, getattr(user, "subdivision_id", None))

    @property
    def is_tfoms(self) -> bool:
        return self.kind == OrgKind.TFOMS

    def clause(self, model) -> ColumnElement:
        rule: ScopeRule = getattr(model, "__scope__", None)
        if rule is None:
            raise TypeError(f"{model.__name__} has no __scope__ rule")
        if self.kind == OrgKind.TFOMS:
            return true()
        if rule.custom is not None:
            return rule.custom(model, self)
        if self.kind == OrgKind.MO and rule.mo:
            cond = getattr(model, rule.mo) == self.organisation_id
            if self.subdivision_id and rule.subdivision:
                cond = and_(cond, getattr(model, rule.subdivision) == self.subdivision_id)
            return cond
        if self.kind == OrgKind.SMO and rule.smo:
            return getattr(model, rule.smo) == self.organisation_id
        return false()

    def allows(self, obj) -> bool:
        """Whether one loaded row is inside the scope (same logic as ``clause``)."""
        model = type(obj)
        rule: ScopeRule = getattr(model, "__scope__", None)
        if rule is None:
            raise TypeError(f"{model.__name__} has no __scope__ rule")
        if self.kind == OrgKind.TFOMS:
            return True
        if rule.custom is not None:
            from sqlalchemy import inspect, select

            from app.extensions import db

            pk = inspect(obj).identity
            if pk is None:
                return False
            mapper = inspect(model)
            conds = [col == val for col, val in zip(mapper.primary_key, pk, strict=True)]
            return (
                db.session.execute(select(mapper.primary_key[0]).where(and_(*conds), rule.custom(model, self))).first()
                is not None
            )
        if self.kind == OrgKind.MO and rule.mo:
            if getattr(obj, rule.mo) != self.organisation_id:
                return False
            if self.subdivision_id and rule.subdivision:
                return getattr(obj, rule.subdivision) == self.subdivision_id
            return True
        if self.kind == OrgKind.SMO and rule.smo:
            return getattr(obj, rule.smo) == self.organisation_id
        return False

    def assign(self, obj) -> None:
        """Stamp a new row with the user's organisation (and subdivision) where the model says how."""
        rule: ScopeRule = getattr(type(obj), "__scope__", None)
        if rule is None or self.kind == OrgKind.TFOMS:
            return
        if self.kind == OrgKind.MO and rule.mo and rule.mo != "id":
            setattr(obj, rule.mo, self.organisation_id)
            if self.subdivision_id and rule.subdivision and rule.subdivision != "id":
                setattr(obj, rule.subdivision, self.subdivision_id)
        elif self.kind == OrgKind.SMO and rule.smo and rule.smo != "id":
            setattr(obj, rule.smo, self.organisation_id)


def is_scoped(model) -> bool:
    return getattr(model, "__scope__", None) is not None
