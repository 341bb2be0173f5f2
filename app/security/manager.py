"""The project's security manager: our user model and views, a temporary lock after repeated
failed logins (it grows with each lock in a row), sessions that a logout or a new password ends
on the server, logout by POST with the CSRF token, and the audit of logins and logouts.

**Locks.** ``MAX_FAILED_LOGINS`` wrong passwords in a row lock the account for
``LOGIN_LOCK_MINUTES`` (15), the next lock in a row for twice as long, and so on up to
``LOGIN_LOCK_MAX_MINUTES`` (a day); a successful login resets the count.  A locked account cannot
log in even with the right password, and only someone who knows the password learns it is
locked.  The fund's administrator unlocks on «Пользователи» (action «Разблокировать») or with
``oms unlock LOGIN``.  Per address, the login form is rate-limited (``AUTH_RATE_LIMIT``).

**Sessions.** A login stamps the session with the user's ``session_epoch``; a logout, a password
change or an unlock by the administrator moves the epoch on, so every cookie made before — one
copied from the browser included — stops working.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from flask import current_app, flash, g, has_request_context, redirect, request, session
from flask_appbuilder import expose
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import AuthDBView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_login import logout_user
from werkzeug.security import check_password_hash

from app.core import audit
from app.models.user import OmsUser

INVALID_LOGIN_MESSAGE = "Неверное имя пользователя или пароль"
SESSION_EPOCH = "_oms_epoch"


def locked_message(user: OmsUser) -> str:
    until = user.locked_until.strftime("%H:%M %d.%m.%Y") if user.locked_until else ""
    return (
        f"Учетная запись временно заблокирована после неудачных попыток входа (до {until}). "
        f"Повторите позже или обратитесь к администратору ТФОМС."
    )


def lock_minutes(lock_count: int) -> int:
    """How long the ``lock_count``-th lock in a row lasts: doubling from LOGIN_LOCK_MINUTES."""
    cfg = current_app.config
    first, ceiling = int(cfg.get("LOGIN_LOCK_MINUTES", 15)), int(cfg.get("LOGIN_LOCK_MAX_MINUTES", 24 * 60))
    return min(ceiling, first * 2 ** max(0, min(lock_count, 20) - 1))


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
                    flash(locked_message(user) if right else INVALID_LOGIN_MESSAGE, "warning")
                    next_url = get_safe_redirect(request.args.get("next", ""))
                    return redirect(self.appbuilder.get_url_for_login_with(next_url))
        return super().login()

    @expose("/logout/", methods=["GET", "POST"])
    def logout(self):
        """GET asks to confirm (a link or an image on another site cannot log anyone out); POST,
        with the CSRF token of the forms, ends the session on the server too."""
        if request.method != "POST":
            if not (g.user is not None and g.user.is_authenticated):
                return redirect(self.appbuilder.get_url_for_index)
            return self.render_template("oms/logout.html", title="Выход из системы")
        user = self._get_authenticated_user()
        if user is not None:
            self.appbuilder.sm.end_sessions(user)
        logout_user()
        session.clear()
        if user is not None:
            self.appbuilder.sm.on_user_logout(user)
        return redirect(self.appbuilder.get_url_for_login)


class OmsSecurityManager(SecurityManager):
    user_model = OmsUser
    authdbview = OmsAuthDBView

    def __init__(self, appbuilder):
        from app.views.admin import OmsUserView

        self.userdbmodelview = OmsUserView
        super().__init__(appbuilder)

    # -- sessions -----------------------------------------------------------------------------------
    def load_user(self, pk: int) -> Optional[OmsUser]:
        """The user of the session cookie, if the cookie is of the user's current epoch."""
        user = super().load_user(pk)
        if user is None or not has_request_context():
            return user
        if session.get("_user_id") == str(pk) and session.get(SESSION_EPOCH) != (user.session_epoch or 0):
            return None
        return user

    def load_user_jwt(self, _jwt_header: Any, jwt_data: dict) -> Optional[OmsUser]:
        user = self.get_user_by_id(int(jwt_data["sub"]))
        if user and user.is_active:
            g.user = user
            return user
        return None

    def end_sessions(self, user: OmsUser) -> None:
        """Every session of the user made so far stops working."""
        user.session_epoch = (user.session_epoch or 0) + 1
        self.session.commit()

    def reset_password(self, userid: int, password: str) -> None:
        super().reset_password(userid, password)
        user = self.get_user_by_id(userid)
        self.end_sessions(user)
        current = getattr(g, "user", None) if has_request_context() else None
        if current is not None and getattr(current, "id", None) == user.id:
            session[SESSION_EPOCH] = user.session_epoch  # who changed their own password stays in

    # -- login bookkeeping -----------------------------------------------------------------------
    def auth_user_db(self, username, password):
        known = self.find_user(username=username) if username else None
        if known is not None and known.is_locked:
            return None  # nothing is counted or checked while locked
        user = super().auth_user_db(username, password)
        if user is None and username and self.find_user(username=username) is None:
            audit.record_now("login_failed", username=username[:100], details="неизвестный пользователь")
        return user

    def update_user_auth_stat(self, user, success=True):
        locks = False
        if success:
            user.lock_count = 0
        else:
            limit = current_app.config.get("MAX_FAILED_LOGINS", 5)
            if (user.fail_login_count or 0) + 1 >= limit and not user.is_locked:
                locks = True
                user.lock_count = (user.lock_count or 0) + 1
                minutes = lock_minutes(user.lock_count)
                user.locked_at = dt.datetime.now()
                user.locked_until = user.locked_at + dt.timedelta(minutes=minutes)
                audit.record(
                    "account_locked",
                    user=user,
                    details=f"{limit} неудачных попыток входа подряд; блокировка на {minutes} мин",
                )
        super().update_user_auth_stat(user, success)
        if locks:  # the failures after the lock are counted afresh
            user.fail_login_count = 0
            self.update_user(user)

    def on_user_login(self, user) -> None:
        session[SESSION_EPOCH] = user.session_epoch or 0
        audit.record_now("login", user=user)

    def on_user_login_failed(self, user) -> None:
        audit.record_now("login_failed", user=user, details="неверный пароль")

    def on_user_logout(self, user) -> None:
        audit.record_now("logout", user=user)

    # -- locks -------------------------------------------------------------------------------
    def unlock_user(self, user, actor=None) -> None:
        user.locked_at = None
        user.locked_until = None
        user.lock_count = 0
        user.fail_login_count = 0
        audit.record(
            "account_unlocked",
            user=actor,
            object_type="OmsUser",
            object_id=user.id,
            details={"username": user.username},
        )
        self.session.commit()

    def register_views(self):
        """The library's security pages the project uses, under the one «Администрирование»: the
        users and the roles as a read-only matrix (roles are code: app.security.roles).  No groups
        (a role is given in the user's card), no user statistics, no permission pages, no
        self-registration (the library's own ``register_views`` would add them)."""
        from app.views import ADMIN_CATEGORY, ADMIN_LABEL
        from app.views.admin import OmsRoleView

        if not current_app.config.get("FAB_ADD_SECURITY_VIEWS", True):
            return
        appbuilder = self.appbuilder
        appbuilder.add_api(self.security_api)
        appbuilder.add_view_no_menu(self.userinfoeditview())
        self.auth_view = self.authdbview()
        appbuilder.add_view_no_menu(self.resetpasswordview())
        appbuilder.add_view_no_menu(self.resetmypasswordview())
        appbuilder.add_view_no_menu(self.auth_view)
        if self.is_auth_limited:
            self.limiter.limit(self.auth_rate_limit, methods=["POST"])(self.auth_view.blueprint)
        self.user_view = appbuilder.add_view(
            self.userdbmodelview,
            "List Users",
            icon="fa-user",
            label="Список пользователей",
            category=ADMIN_CATEGORY,
            category_icon="fa-cogs",
            category_label=ADMIN_LABEL,
        )
        appbuilder.add_view(
            OmsRoleView, "List Roles", icon="fa-user-gear", label="Роли и права", category=ADMIN_CATEGORY
        )
