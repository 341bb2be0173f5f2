"""«Справочники» → «КСГ» and «Группировщик КСГ»: the federal КСГ tables (``oms import-ksg``),
read-only, for the fund (the resource of the tariffs)."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.core.formatting import format_date, format_datetime
from app.models.ksg import KsgGroup, KsgGrouperRow
from app.models.vocabulary import Resource
from app.security.global_views import GlobalReadOnlyView
from app.views.registers import TariffView


def _yes(value) -> str:
    return "да" if value else ""


class KsgGroupView(GlobalReadOnlyView):
    datamodel = SQLAInterface(KsgGroup)
    class_permission_name = Resource.TARIFF
    base_permissions = TariffView.base_permissions
    list_title = show_title = "Клинико-статистические группы (КСГ)"
    list_columns = [
        "code",
        "name",
        "usl_ok_label",
        "koef_z",
        "kpg",
        "with_intervention",
        "without_level",
        "short_optimal",
        "koef_up",
        "date_begin",
        "date_end",
    ]
    show_columns = list_columns[:4] + ["kpg", "kpg_name", "wage_share"] + list_columns[5:] + ["updated_at"]
    search_columns = [
        "code",
        "name",
        "usl_ok",
        "kpg",
        "with_intervention",
        "without_level",
        "short_optimal",
        "date_begin",
        "date_end",
    ]
    base_order = ("code", "asc")
    page_size = 100
    formatters_columns = {
        "with_intervention": _yes,
        "without_level": _yes,
        "short_optimal": _yes,
        "date_begin": format_date,
        "date_end": format_date,
        "updated_at": format_datetime,
    }
    label_columns = {
        "code": "КСГ",
        "name": "Наименование",
        "usl_ok": "Условия (USL_OK)",
        "usl_ok_label": "Условия",
        "koef_z": "КЗ",
        "kpg": "КПГ",
        "kpg_name": "Профиль (КПГ)",
        "wage_share": "Доля з/п и прочих расходов",
        "with_intervention": "С операцией / тромболизисом (Прил. 4 МР)",
        "without_level": "Без коэффициента уровня (Прил. 5 МР)",
        "short_optimal": "Оптимально до 3 дней (Прил. 8 ПГГ)",
        "koef_up": "КС_КСГ (Прил. 18 ТС)",
        "date_begin": "Действует с",
        "date_end": "Действует по",
        "updated_at": "Обновлено",
    }


class KsgGrouperView(GlobalReadOnlyView):
    datamodel = SQLAInterface(KsgGrouperRow)
    class_permission_name = Resource.TARIFF
    base_permissions = TariffView.base_permissions
    list_title = show_title = "Группировщик КСГ"
    list_columns = [
        "ksg_code",
        "ds1",
        "ds2",
        "ds3",
        "service_code",
        "age_group",
        "sex",
        "duration",
        "other",
        "fractions",
        "date_begin",
        "date_end",
    ]
    show_columns = ["row_no", "usl_ok", "group_no"] + list_columns
    search_columns = ["ksg_code", "ds1", "ds2", "service_code", "age_group", "sex", "duration", "other", "usl_ok"]
    base_order = ("row_no", "asc")
    page_size = 100
    formatters_columns = {"date_begin": format_date, "date_end": format_date}
    label_columns = {
        "row_no": "№",
        "usl_ok": "Условия (USL_OK)",
        "group_no": "№ группы заболеваний",
        "ksg_code": "КСГ",
        "ds1": "Основной диагноз",
        "ds2": "Дополнительный диагноз",
        "ds3": "Диагноз осложнения",
        "service_code": "Код услуги",
        "age_group": "Возраст",
        "sex": "Пол",
        "duration": "Длительность",
        "other": "Иной критерий",
        "fractions": "Диапазон фракций",
        "date_begin": "Действует с",
        "date_end": "Действует по",
    }
