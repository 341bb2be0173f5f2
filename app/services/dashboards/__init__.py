"""The home page of each role: figures of the user's scope, each with the URL of the list that
shows its rows.  :func:`home_page` is what the start page calls: it picks the period
(``?period=ГГГГ-ММ`` or the latest with data) and the page of the user's organisation kind."""

from __future__ import annotations

from typing import Optional, Union

from app.models.user import OmsUser
from app.models.vocabulary import OrgKind
from app.security.scope import Scope
from app.services.dashboards.mo import MoDashboard, mo_dashboard
from app.services.dashboards.shared import PeriodRefused, choose_period
from app.services.dashboards.smo import SmoDashboard, smo_dashboard
from app.services.dashboards.tfoms import TfomsDashboard, tfoms_dashboard

__all__ = ["HomePage", "PeriodRefused", "home_page"]

HomePage = Union[MoDashboard, SmoDashboard, TfomsDashboard]


def home_page(user: Optional[OmsUser], period: Optional[str]) -> Optional[HomePage]:
    """The page of the user's organisation kind for the period of ``?period=`` (None: a user with
    no organisation, or nobody logged in).  :class:`PeriodRefused` for a period not «ГГГГ-ММ»."""
    kind = Scope.of(user).kind
    build = {OrgKind.MO: mo_dashboard, OrgKind.SMO: smo_dashboard, OrgKind.TFOMS: tfoms_dashboard}.get(kind)
    if build is None:
        return None
    return build(user, choose_period(user, period))
