"""Registration of every view, API and menu entry (menus as in the regional manual)."""

from __future__ import annotations

# the one administration menu: the category of the library's security views (its name stays "Security":
# the roles' menu permissions are granted on it), labelled «Администрирование»
ADMIN_CATEGORY = "Security"
ADMIN_LABEL = "Администрирование"
REFERENCE_CATEGORY = "Справочники"
#: the order of «Администрирование» (menu item names; anything else follows)
ADMIN_ORDER = (
    "Organisations",
    "Subdivisions",
    "List Users",
    "List Roles",
    "Electronic signature",
    "Trust roots",
    "Audit log",
    "Background jobs",
    "API keys",
)


def register_views(appbuilder) -> None:
    from app.views.admin import AuditEventView, BackgroundJobView, OrganisationView, SubdivisionView
    from app.views.api import OrganisationApi, SubdivisionApi
    from app.views.cases import CaseView
    from app.views.formation import FormationView
    from app.views.intake import UploadedFileView
    from app.views.registries import ClosedRegistryView, RegistryView

    appbuilder.add_view(UploadedFileView, "File upload", label="Загрузка файла", icon="fa-upload")
    appbuilder.add_view(FormationView, "Formation", label="Формирование", icon="fa-cubes")
    appbuilder.add_view(RegistryView, "Current registries", label="Текущие реестры", icon="fa-folder-open")
    appbuilder.add_view(ClosedRegistryView, "Closed registries", label="Закрытые реестры", icon="fa-archive")
    appbuilder.add_view(CaseView, "Cases", label="Случаи", icon="fa-list-alt")
    from app.views.analytics import AnalyticsView

    appbuilder.add_view(AnalyticsView, "Analytics", label="Аналитика", icon="fa-bar-chart")
    appbuilder.add_view(
        OrganisationView, "Organisations", label="Организации", icon="fa-building", category=ADMIN_CATEGORY
    )
    appbuilder.add_view(
        SubdivisionView, "Subdivisions", label="Подразделения", icon="fa-sitemap", category=ADMIN_CATEGORY
    )
    from app.views.signing import CertificateView, RegistrySigningView, TrustRootView

    appbuilder.add_view(
        CertificateView,
        "Electronic signature",
        label="Эл. подпись",
        icon="fa-pencil-square-o",
        category=ADMIN_CATEGORY,
    )
    appbuilder.add_view(
        TrustRootView, "Trust roots", label="Корневые сертификаты", icon="fa-certificate", category=ADMIN_CATEGORY
    )
    appbuilder.add_view_no_menu(RegistrySigningView)
    appbuilder.add_view(AuditEventView, "Audit log", label="Журнал аудита", icon="fa-history", category=ADMIN_CATEGORY)
    appbuilder.add_view(
        BackgroundJobView, "Background jobs", label="Фоновые задачи", icon="fa-tasks", category=ADMIN_CATEGORY
    )
    from app.views.reference import ControlRuleView, NsiBookView, NsiItemView

    appbuilder.add_view(
        NsiBookView,
        "Reference books",
        label="Справочники НСИ",
        icon="fa-book",
        category=REFERENCE_CATEGORY,
        category_label="Справочники",
        category_icon="fa-book",
    )
    appbuilder.add_view(
        NsiItemView,
        "Reference book entries",
        label="Записи справочников",
        icon="fa-list",
        category=REFERENCE_CATEGORY,
    )
    appbuilder.add_view(
        ControlRuleView,
        "Control rules",
        label="Правила контроля",
        icon="fa-check-square-o",
        category=REFERENCE_CATEGORY,
    )
    from app.views.format_versions import FormatVersionPeriodView

    appbuilder.add_view(
        FormatVersionPeriodView,
        "Format versions by period",
        label="Версии форматов по периодам",
        icon="fa-code-fork",
        category=REFERENCE_CATEGORY,
    )
    from app.views.registers import ErzPersonView, ErzPolicyView, TariffView

    appbuilder.add_view(
        ErzPersonView,
        "Register of the insured",
        label="Регистр застрахованных (ЕРЗ)",
        icon="fa-id-card",
        category=REFERENCE_CATEGORY,
    )
    appbuilder.add_view(
        ErzPolicyView,
        "Policies of the insured",
        label="Полисы застрахованных",
        icon="fa-credit-card",
        category=REFERENCE_CATEGORY,
    )
    appbuilder.add_view(TariffView, "Tariffs", label="Тарифы", icon="fa-rub", category=REFERENCE_CATEGORY)
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
    """The manual's order: the work tabs first, then «Справочники», then the one
    «Администрирование» (organisations, subdivisions, users, roles, signatures, the logs, API keys)."""
    items = appbuilder.menu.menu
    tail = [m for m in items if m.name in (REFERENCE_CATEGORY, ADMIN_CATEGORY)]
    appbuilder.menu.menu = [m for m in items if m not in tail] + sorted(tail, key=lambda m: m.name == ADMIN_CATEGORY)
    admin = next((m for m in appbuilder.menu.menu if m.name == ADMIN_CATEGORY), None)
    if admin is not None:
        admin.label = ADMIN_LABEL
        admin.icon = "fa-cogs"
        rank = {name: i for i, name in enumerate(ADMIN_ORDER)}
        entries = [c for c in admin.childs if c.name != "-"]  # no separators: one plain list
        admin.childs = sorted(entries, key=lambda c: rank.get(c.name, len(rank)))
