"""The project's security manager: our user model and views, account lock after repeated
failed logins, and the audit of logins and logouts."""
from __future__ import annotations

import datetime as dt

from flask import current_app, flash, g, redirect, request
from flask_appbuilder import expose
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import AuthDBView
from flask_appbuilder.utils.base import get_safe_redirect
from werkzeug.security import check_password_hash

from app.models.user import OmsUser
from app.core import audit

LOCKED_MESSAGE = "Учетная запись заблокирована после неудачных попыток входа. Обратитесь к администратору ТФОМС."
INVALID_LOGIN_MESSAGE = "Неверное имя пользователя или пароль"


class OmsAuthDBView(AuthDBView):
    invalid_login_message = INVALID_LOGIN_MESSAGE

    @expose("/login/", methods=["GET", "POST"])
    def login(self):
        if request.method == "POST" and not (g.user is not None and g.user.is_authenticated):
            form = LoginForm_db()
            if form.validate_on_submit():
                user = self.appbuilder.sm.find_user(username=form.username.data)
                if user is not None and user.is_locked:
                    # the lock is named only to whoever knows the password; others get the usual error
                    right = check_password_hash(user.password, form.password.data or "")
                    audit.record_now("login_failed", user=user, details="учетная запись заблокирована")
                    flash(LOCKED_MESSAGE if right else INVALID_LOGIN_MESSAGE, "warning")
                    next_url = get_safe_redirect(request.args.get("next", ""))
                    return redirect(self.appbuilder.get_url_for_login_with(next_url))
        return super().login()


class OmsSecurityManager(SecurityManager):
    user_model = OmsUser
    authdbview = OmsAuthDBView

    def __init__(self, appbuilder):
        from app.views.admin import OmsUserView

        self.userdbmodelview = OmsUserView
        super().__init__(appbuilder)

    # -- login bookkeeping -----------------------------------------------------------------------
    def auth_user_db(self, username, password):
        user = super().auth_user_db(username, password)
        if user is None and username and self.find_user(username=username) is None:
            audit.record_now("login_failed", username=username[:100], details="неизвестный пользователь")
        return user

    def update_user_auth_stat(self, user, success=True):
        if not success:
            limit = current_app.config.get("MAX_FAILED_LOGINS", 5)
            if (user.fail_login_count or 0) + 1 >= limit and user.locked_at is None:
                user.locked_at = dt.datetime.now()
                user.active = False
                audit.record("account_locked", user=user,
                             details=f"{limit} неудачных попыток входа подряд")
        super().update_user_auth_stat(user, success)

    def on_user_login(self, user) -> None:
        audit.record_now("login", user=user)

    def on_user_login_failed(self, user) -> None:
        audit.record_now("login_failed", user=user, details="неверный пароль")

    def on_user_logout(self, user) -> None:
        audit.record_now("logout", user=user)

    # -- locks -------------------------------------------------------------------------------
    def unlock_user(self, user, actor=None) -> None:
        user.locked_at = None
        user.active = True
        user.fail_login_count = 0
        audit.record("account_unlocked", user=actor, object_type="OmsUser", object_id=user.id,
                     details={"username": user.username})
        self.session.commit()

    def register_views(self):
        super().register_views()
        # the manual calls the administration menu «Администрирование»
        for item in self.appbuilder.menu.get_list():
            if item.name == "Security":
                item.label = "Администрирование"
