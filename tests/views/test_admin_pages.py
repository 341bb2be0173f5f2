"""The library's own pages in the project's layout and in Russian: the roles as a matrix, no user
statistics or groups, the users' pages and form, the error pages with the menu, the favicon and the
stylesheet, the one «Администрирование» menu, the confirmation dialog, people by name in the
audit log, and the merged translation catalogue."""

from __future__ import annotations

import re

import pytest
from lxml import html

from app.models.vocabulary import Resource
from app.security.roles import ROLE_ADMIN, ROLE_MO, ROLE_SMO, ROLE_TFOMS
from tests.crawl import problems, visible_text

WORK_TABS = ["Загрузка файла", "Формирование", "Текущие реестры", "Закрытые реестры", "Случаи"]


def _page(b, url, status=200):
    resp = b.get(url)
    assert resp.status_code == status, (url, resp.status_code)
    return resp.get_data(as_text=True)


def _russian(page: str, url: str) -> None:
    text = visible_text(page)
    assert problems(text) == [], url
    assert not re.search(r"(?<![пП])ользователя", text), url  # the library's typo «E-mail ользователя»
    for word in ("LDAP", "OID", "Groups", "Statistics", "Permission", "can read", "menu access"):
        assert word not in text, (url, word)


def _menu(page: str) -> list[tuple[str, list[str]]]:
    """The top-level entries of the menu bar with the entries of their dropdowns."""
    tree = html.fromstring(page)
    out = []
    for li in tree.xpath("//ul[contains(@class,'navbar-nav') and not(contains(@class,'navbar-right'))]/li"):
        top = " ".join(li.xpath("./a")[0].text_content().split())
        children = [" ".join(a.text_content().split()) for a in li.xpath("./ul//a")]
        out.append((top, children))
    return out


# -- the roles ------------------------------------------------------------------------------------
def _matrix(page: str) -> tuple[list[str], dict[str, list[str]]]:
    """(role names, resource label → the marks of each role's «Чтение», «Запись» cells)."""
    tree = html.fromstring(page)
    table = tree.xpath("//table[contains(@class,'oms-matrix')]")[0]
    roles = [" ".join(th.xpath("./a/text()|./text()")).strip() for th in table.xpath(".//thead/tr[1]/th[@colspan]")]
    rows = {}
    for tr in table.xpath(".//tbody/tr"):
        cells = [c.text_content().strip() for c in tr.xpath("./td")]
        rows[cells[0]] = cells[1:]
    return roles, rows


def test_the_roles_page_is_a_russian_matrix_of_resources_by_read_and_write(browser_factory):
    admin = browser_factory("tfoms_admin")
    page = _page(admin, "/roles/list/")
    _russian(page, "/roles/list/")
    roles, rows = _matrix(page)
    assert roles == [ROLE_ADMIN, ROLE_TFOMS, ROLE_MO, ROLE_SMO]
    assert "Чтение" in page and "Запись" in page
    for resource in Resource:
        assert resource.label in rows, resource
        assert len(rows[resource.label]) == 2 * len(roles)
    smo = roles.index(ROLE_SMO) * 2
    mo = roles.index(ROLE_MO) * 2
    tfoms = roles.index(ROLE_TFOMS) * 2
    # what app.security.roles grants, read back from the database
    assert rows[Resource.REGISTRY.label][smo : smo + 2] == ["✓", "✓"]
    assert rows[Resource.UPLOADED_FILE.label][smo : smo + 2] == ["·", "·"]
    assert rows[Resource.UPLOADED_FILE.label][mo : mo + 2] == ["✓", "✓"]
    assert rows[Resource.UPLOADED_FILE.label][tfoms : tfoms + 2] == ["✓", "·"]
    assert rows[Resource.AUDIT_EVENT.label][mo : mo + 2] == ["·", "—"]
    assert rows[Resource.AUDIT_EVENT.label][:2] == ["✓", "—"]  # a read-only page: nothing to write
    assert rows[Resource.REGISTRY.label][:2] == ["✓", "✓"]  # the administrator holds everything
    assert rows["Пользователи"][:2] == ["✓", "✓"] and rows["Пользователи"][mo] == "·"


def test_a_role_page_shows_its_marks_and_its_users_by_name(app, browser_factory):
    admin = browser_factory("tfoms_admin")
    with app.app_context():
        role_id = app.appbuilder.sm.find_role(ROLE_MO).id
    page = _page(admin, f"/roles/show/{role_id}")
    _russian(page, "/roles/show")
    roles, rows = _matrix(page)
    assert roles == [ROLE_MO]
    assert rows[Resource.FORMATION.label] == ["✓", "✓"]
    assert rows[Resource.CONTROL_RULE.label] == ["✓", "·"]
    assert rows[Resource.AUDIT_EVENT.label] == ["·", "—"]
    assert "Пользователи с этой ролью" in page and "mo1_operator" in page
    _page(admin, "/roles/show/2147483647", 404)


def test_roles_are_only_shown_not_edited_and_only_to_the_administrator(browser_factory):
    admin = browser_factory("tfoms_admin")
    for url in ("/roles/add", "/roles/edit/1", "/roles/delete/1"):
        assert admin.get(url).status_code == 404, url
    assert admin.post("/roles/action/copyrole/1").status_code in (404, 405)
    mo = browser_factory("mo1_operator")
    page = _page(mo, "/roles/list/", 403)
    assert "Доступ запрещен" in page


def test_user_statistics_and_groups_are_gone(browser_factory):
    admin = browser_factory("tfoms_admin")
    for url in ("/userstatschartview/chart/", "/userstatschartview/chart/0", "/groups/list/"):
        assert admin.get(url).status_code == 404, url
    labels = [label for top, children in _menu(_page(admin, "/")) for label in [top, *children]]
    assert not [label for label in labels if "Статистика" in label or label.startswith(("Группы", "Список групп"))]


# -- the users' pages -------------------------------------------------------------------------------
def test_the_users_pages_and_form_read_russian(app, browser_factory):
    from app.models.user import OmsUser

    admin = browser_factory("tfoms_admin")
    with app.app_context():
        from app.extensions import db

        user_id = db.session.query(OmsUser).filter_by(username="mo1_operator").one().id
    for url in (
        "/users/list/",
        f"/users/show/{user_id}",
        f"/users/edit/{user_id}",
        "/users/add",
        "/users/userinfo/",
        "/userinfoeditview/form",
        "/resetmypassword/form",
        f"/resetpassword/form?pk={user_id}",
    ):
        _russian(_page(admin, url), url)
    listing = visible_text(_page(admin, "/users/list/"))
    assert "Специалист МО" in listing and "Администратор ТФОМС" in listing  # roles by name
    assert "[" not in listing  # not a list's repr
    assert re.search(r"\bДа\b", listing)
    form = visible_text(_page(admin, "/users/add"))
    for hint in ("Адрес электронной почты пользователя", "Имя для входа в систему", "Пароль еще раз"):
        assert hint in form


def test_a_user_added_in_the_form_can_log_in(app, browser_factory):
    """The form's password is stored hashed (the view's own checks kept the library's hashing)."""
    from app.extensions import db
    from app.models.user import OmsUser
    from tests.factories import make_org

    admin = browser_factory("tfoms_admin")
    with app.app_context():
        org_id = make_org("mo").id
        role_id = app.appbuilder.sm.find_role(ROLE_MO).id
    data = {
        "first_name": "Новый",
        "last_name": "Оператор",
        "username": "admin_pages_new_user",
        "email": "admin_pages_new@test.local",
        "active": "y",
        "roles": [str(role_id)],
        "organisation": str(org_id),
        "password": "Strong-Pass-2026!",
        "conf_password": "Strong-Pass-2026!",
    }
    admin.fetch_csrf("/users/add")
    assert admin.post("/users/add", data=data).status_code == 302
    with app.app_context():
        user = db.session.query(OmsUser).filter_by(username="admin_pages_new_user").one()
        assert user.password != "Strong-Pass-2026!"
    newcomer = browser_factory()
    resp = newcomer.login("admin_pages_new_user", "Strong-Pass-2026!")
    assert resp.status_code == 302 and "/login" not in resp.headers["Location"]


# -- the menu, the layout --------------------------------------------------------------------------------
def test_the_menu_work_tabs_then_reference_then_one_administration(browser_factory):
    admin = browser_factory("tfoms_admin")
    menu = _menu(_page(admin, "/"))
    tops = [top for top, _ in menu]
    assert tops == WORK_TABS + ["Аналитика", "Справочники", "Администрирование"]  # «Аналитика»: after the work
    administration = dict(menu)["Администрирование"]
    assert administration[:4] == ["Организации", "Подразделения", "Список пользователей", "Роли и права"]
    for entry in ("Журнал аудита", "Фоновые задачи", "Ключи API", "Эл. подпись", "Корневые сертификаты"):
        assert entry in administration
    for _, children in menu:
        for label in children:
            assert not re.search(r"[A-Za-z]", label.replace("API", "")), label
    mo = browser_factory("mo1_operator")
    mo_menu = dict(_menu(_page(mo, "/")))
    assert [t for t in mo_menu if t == "Администрирование"] == ["Администрирование"]
    assert "Список пользователей" not in mo_menu["Администрирование"]
    assert "Организации" in mo_menu["Администрирование"]


def test_the_layout_is_full_width_with_the_stylesheet_and_the_favicon(browser_factory):
    admin = browser_factory("tfoms_admin")
    page = _page(admin, "/registries/list/")
    tree = html.fromstring(page)
    assert tree.xpath("//link[@rel='icon']/@href") == ["/static/favicon.svg"]
    assert "/static/oms.css" in tree.xpath("//link[@rel='stylesheet']/@href")
    assert tree.xpath("//html/@lang") == ["ru"]
    assert tree.xpath("//div[contains(@class,'navbar')]/div[@class='container-fluid']")
    assert not tree.xpath("//body/div[@class='container']")
    icon = admin.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    css = admin.get("/static/oms.css")
    assert css.status_code == 200 and b".oms-nowrap" in css.data and b"white-space: nowrap" in css.data


def test_the_confirmation_dialog_is_russian(browser_factory):
    page = _page(browser_factory("mo1_operator"), "/registries/list/")
    tree = html.fromstring(page)
    dialog = tree.xpath("//div[@id='modal-confirm']")[0]
    assert dialog.xpath(".//h4")[0].text_content().strip() == "Подтверждение"
    buttons = [" ".join(b.text_content().split()) for b in dialog.xpath(".//button|.//a")]
    assert buttons == ["Отмена", "Подтвердить"]
    alert = tree.xpath("//div[@id='modal-alert']")[0]
    assert "OK" not in alert.text_content() and "Закрыть" in alert.text_content()


# -- the error pages ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "login, url, status, title",
    [
        ("mo1_operator", "/no-such-page/", 404, "Страница не найдена"),
        ("mo1_operator", "/registries/show/2147483647", 404, "не найден"),
        ("mo1_operator", "/users/list/", 403, "Доступ запрещен"),
        ("smo1_specialist", "/auditeventview/list/", 403, "Доступ запрещен"),
    ],
)
def test_error_pages_are_russian_inside_the_layout_with_the_menu(browser_factory, login, url, status, title):
    page = _page(browser_factory(login), url, status)
    assert title in page
    assert "oms-error" in page
    tops = [top for top, _ in _menu(page)]
    assert "Администрирование" in tops and "Текущие реестры" in tops
    text = visible_text(page)
    assert problems(text) == []
    assert "Not Found" not in text and "Forbidden" not in text


def test_api_errors_stay_json(browser_factory):
    resp = browser_factory("mo1_operator").get("/api/v1/no-such-thing")
    assert resp.status_code == 404 and resp.is_json and "message" in resp.get_json()


# -- the audit log, the catalogue --------------------------------------------------------------------------
def test_the_audit_log_names_people_by_name(app, browser_factory):
    from app.extensions import db
    from app.models.user import OmsUser

    browser_factory("smo1_signer")  # a login: one more row of the log
    with app.app_context():
        person = db.session.query(OmsUser).filter_by(username="smo1_signer").one().get_full_name()
    page = _page(browser_factory("tfoms_admin"), "/auditeventview/list/?psize_AuditEventView=100")
    _russian(page, "/auditeventview/list/")
    tree = html.fromstring(page)
    cells = [" ".join(" ".join(td.itertext()).split()) for td in tree.xpath("//table//td")]
    assert f"{person} smo1_signer" in cells


def test_the_library_catalogue_is_merged_with_the_projects_and_ours_wins(app):
    from flask_babel import gettext

    with app.test_request_context("/"):
        assert gettext("Record Count") == "Всего записей"  # ours, over the library's
        assert gettext("User confirmation needed") == "Подтверждение"
        assert (
            gettext("The user's email, this will also be used for OID auth") == "Адрес электронной почты пользователя"
        )
        assert gettext("Search") == "Поиск"  # the library's own, which we do not repeat
        assert gettext("Delete") == "Удалить"  # the library's catalogue has none


def test_audit_details_show_dates_as_people_read_them():
    """«Удалить данные файла» keeps the upload time in the details: the log shows ДД.ММ.ГГГГ, not ISO."""
    from app.views.admin import _details

    shown = str(_details('{"archive": "a.zip", "uploaded_at": "2026-12-04 16:30:01.123456", "day": "2025-10-01"}'))
    assert shown == "архив: a.zip; загружен: 04.12.2026 16:30:01; day: 01.10.2025"
    assert str(_details('{"records": 3, "n": "2026-12-04x"}')) == "записей: 3; n: 2026-12-04x"
