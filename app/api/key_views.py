"""«Ключи API» («Администрирование»): a user makes and revokes their own API keys for a МИС.
Thin: :mod:`app.services.accounts.api_keys` does the work.  A key is shown once, on the page that made it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models.user import OmsUser
from app.models.vocabulary import Resource
from app.services.accounts import api_keys as keys

# the texts of the page (the template is outside the extracted folders: the texts live here)
TEXTS = {
    "title": _l("API keys"),
    "intro": _l(
        "A key lets a hospital information system (MIS) call the REST API on your behalf: with your "
        "rights and only within your organisation. Send it in the header "
        "«Authorization: Bearer <key>». The key is shown once, when it is made: copy it at once."
    ),
    "swagger": _l("API description (Swagger)"),
    "name": _l("Name"),
    "uuid": _l("Key id"),
    "created": _l("Created at"),
    "expires": _l("Valid to"),
    "last_used": _l("Last used"),
    "state": _l("State"),
    "none": _l("You have no API keys yet"),
    "new": _l("New key"),
    "name_hint": _l("for example, the name of the MIS"),
    "expires_hint": _l("Valid to (optional)"),
    "create": _l("Create a key"),
    "revoke": _l("Revoke"),
    "revoke_confirm": _l("Revoke the key? Programs that use it will lose access."),
    "made": _l("Your new key (shown only now, copy it):"),
}


class ApiKeyView(BaseView):
    route_base = "/api-keys"
    default_view = "list"
    class_permission_name = Resource.API_KEY
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {"list": "read", "create": "write", "revoke": "write"}
    template_folder = str(Path(__file__).resolve().parent / "templates")

    def _user(self) -> OmsUser:
        return db.session.get(OmsUser, int(g.user.id))

    def _page(self, made=None):
        return self.render_template(
            "mis_api/api_keys.html",
            title=TEXTS["title"],
            t=TEXTS,
            keys=keys.keys_of(self._user()),
            made=made,
            can_write=self.appbuilder.sm.has_access("can_write", self.class_permission_name),
            swagger=self.appbuilder.sm.has_access("can_show", "SwaggerView"),
        )

    @expose("/")
    @has_access
    def list(self):
        return self._page()

    @expose("/create", methods=["POST"])
    @has_access
    def create(self):
        expires = None
        raw = (request.form.get("expires_on") or "").strip()
        if raw:
            try:
                expires = dt.date.fromisoformat(raw)
            except ValueError:
                flash("Срок действия указывается как ГГГГ-ММ-ДД", "danger")
                return redirect(url_for("ApiKeyView.list"))
        user = self._user()
        try:
            made = keys.create_key(user, request.form.get("name", ""), expires, actor=user)
        except keys.ApiKeyRefused as exc:
            flash(str(exc), "danger")
            return redirect(url_for("ApiKeyView.list"))
        return self._page(made=made)

    @expose("/revoke/<key_uuid>", methods=["POST"])
    @has_access
    def revoke(self, key_uuid):
        user = self._user()
        try:
            info = keys.revoke_key(key_uuid, actor=user, owner=user)
        except keys.ApiKeyRefused:
            abort(404)  # another user's key answers like one that does not exist
        flash(f"Ключ «{info.name}» отозван", "success")
        return redirect(url_for("ApiKeyView.list"))
