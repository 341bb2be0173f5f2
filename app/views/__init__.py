"""Registration of every view, API and menu entry (menus as in the regional manual)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# the category of FAB's security views; its label is «Администрирование»
ADMIN_CATEGORY = "Security"
REFERENCE_CATEGORY = "Справочники"


def register_views(appbuilder) -> None:
    from app.views.admin import AuditEventView, BackgroundJobView, OrganisationView, SubdivisionView
    from app.views.api import OrganisationApi, SubdivisionApi
    from app.views.cases import CaseView
    from app.views.formation import FormationView
    from app.views.intake import UploadedFileView
    from app.views.registries import ClosedRegistryView, RegistryView

    appbuilder.add_view(UploadedFileView, "File upload", label=_l("File upload"), icon="fa-upload")
    appbuilder.add_view(FormationView, "Formation", label=_l("Formation"), icon="fa-cogs")
    appbuilder.add_view(RegistryView, "Current registries", label=_l("Current registries"), icon="fa-folder-open")
    appbuilder.add_view(ClosedRegistryView, "Closed registries", label=_l("Closed registries"), icon="fa-archive")
    appbuilder.add_view(CaseView, "Cases", label=_l("Case list"), icon="fa-list-alt")
    appbuilder.add_view(
        OrganisationView, "Organisations", label=_l("Organisations"), icon="fa-building", category=ADMIN_CATEGORY
    )
    appbuilder.add_view(
        SubdivisionView, "Subdivisions", label=_l("Subdivisions"), icon="fa-sitemap", category=ADMIN_CATEGORY
    )
    from app.views.signing import CertificateView, RegistrySigningView, TrustRootView

    appbuilder.add_view(
        CertificateView,
        "Electronic signature",
        label=_l("Electronic signature"),
        icon="fa-pencil-square-o",
        category=ADMIN_CATEGORY,
    )
    appbuilder.add_view(
        TrustRootView, "Trust roots", label=_l("Trust roots"), icon="fa-certificate", category=ADMIN_CATEGORY
    )
    appbuilder.add_view_no_menu(RegistrySigningView)
    appbuilder.add_view(AuditEventView, "Audit log", label=_l("Audit log"), icon="fa-history", category=ADMIN_CATEGORY)
    appbuilder.add_view(
        BackgroundJobView, "Background jobs", label=_l("Background jobs"), icon="fa-tasks", category=ADMIN_CATEGORY
    )
    from app.views.reference import ControlRuleView, NsiBookView, NsiItemView

    appbuilder.add_view(
        NsiBookView,
        "Reference books",
        label=_l("Reference books"),
        icon="fa-book",
        category=REFERENCE_CATEGORY,
        category_label=_l("Reference"),
        category_icon="fa-book",
    )
    appbuilder.add_view(
        NsiItemView,
        "Reference book entries",
        label=_l("Reference book entries"),
        icon="fa-list",
        category=REFERENCE_CATEGORY,
    )
    appbuilder.add_view(
        ControlRuleView,
        "Control rules",
        label=_l("Control rules"),
        icon="fa-check-square-o",
        category=REFERENCE_CATEGORY,
    )
    from app.views.format_versions import FormatVersionPeriodView

    appbuilder.add_view(
        FormatVersionPeriodView,
        "Format versions by period",
        label=_l("Format versions by period"),
        icon="fa-code-fork",
        category=REFERENCE_CATEGORY,
    )
    from app.views.registers import ErzPersonView, ErzPolicyView, TariffView

    appbuilder.add_view(
        ErzPersonView,
        "Register of the insured",
        label=_l("Register of the insured (ERZ)"),
        icon="fa-id-card",
        category=REFERENCE_CATEGORY,
    )
    appbuilder.add_view(
        ErzPolicyView,
        "Policies of the insured",
        label=_l("Policies of the insured"),
        icon="fa-credit-card",
        category=REFERENCE_CATEGORY,
    )
    appbuilder.add_view(TariffView, "Tariffs", label=_l("Tariffs"), icon="fa-rub", category=REFERENCE_CATEGORY)
    from app.views.ksg import KsgGrouperView, KsgGroupView

    appbuilder.add_view(KsgGroupView, "KSG", label="КСГ", icon="fa-th-list", category=REFERENCE_CATEGORY)
    appbuilder.add_view(
        KsgGrouperView, "KSG grouper", label="Группировщик КСГ", icon="fa-sitemap", category=REFERENCE_CATEGORY
    )
    from app.views.registers import MoAttachmentView, MoLicenceView

    appbuilder.add_view(
        MoAttachmentView,
        "MO attachment",
        label="Прикрепление к МО",
        icon="fa-user-plus",
        category=REFERENCE_CATEGORY,
    )
    appbuilder.add_view(
        MoLicenceView, "MO licences", label="Лицензии МО", icon="fa-certificate", category=REFERENCE_CATEGORY
    )
    appbuilder.add_api(OrganisationApi)
    appbuilder.add_api(SubdivisionApi)
    # the REST API for a МИС (/api/v1/mis/...), the page «Ключи API» and `oms api-key`
    from app.api import register_api

    register_api(appbuilder, ADMIN_CATEGORY)
    _administration_last(appbuilder)
    _readable_widgets(appbuilder)


def _readable_widgets(appbuilder) -> None:
    """Every list and show page, the library's security views too, shows values as people read
    them (app.views.formatting.display): where a view keeps the library's widget, ours replaces it."""
    from flask_appbuilder.widgets import ListWidget, ShowWidget

    from app.views.widgets import OmsListWidget, OmsShowWidget

    for view in appbuilder.baseviews:
        if getattr(view, "list_widget", None) is ListWidget:
            view.list_widget = OmsListWidget
        if getattr(view, "show_widget", None) is ShowWidget:
            view.show_widget = OmsShowWidget


def _administration_last(appbuilder) -> None:
    """The manual's order: the work tabs first, «Справочники» and «Администрирование» last."""
    items = appbuilder.menu.menu
    tail = [m for m in items if m.name in (REFERENCE_CATEGORY, ADMIN_CATEGORY)]
    appbuilder.menu.menu = [m for m in items if m not in tail] + sorted(tail, key=lambda m: m.name == ADMIN_CATEGORY)
