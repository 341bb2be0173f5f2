"""Electronic signatures in the UI: «Администрирование» → «Эл. Подпись» (certificates and signing
rights), «Корневые сертификаты» (the region's trust roots), and the signing page of a registry
(sign with PKCS#12 or with .sig files, sign on paper, the step tracker and one row per signature with
a fresh verification, the documents with their signatures as one ZIP, «Печать» — a printable signing
sheet).  Business rules: app/services/signing/."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.core.formatting import format_datetime
from app.models.registry import Registry
from app.models.signing import Certificate, TrustRoot
from app.models.vocabulary import OrgKind, Resource
from app.security.global_views import GlobalModelView
from app.security.permissions import PERM_READ, PERM_WRITE
from app.security.scoped_views import ScopedModelView
from app.services.registries import printing
from app.services.signing import certificates
from app.services.signing import registry_signing as signing

MAX_UPLOAD = 8 * 1024 * 1024  # a request with a certificate, a PKCS#12 or a .sig set is small
MAX_FILE = 1024 * 1024  # and each of those files is a few kilobytes


class OwnRowsUnlessFund(BaseFilter):
    """Users see their own certificates; the fund's users see all (within the scope)."""

    name = "own"
    arg_name = "own"

    def apply(self, query, value):
        user = g.user
        org = getattr(user, "organisation", None)
        if org is not None and org.kind == OrgKind.TFOMS:
            return query
        return query.filter(Certificate.user_id == getattr(user, "id", None))


def _upload_bytes(field: str) -> bytes | None:
    """The uploaded file of ``field`` up to MAX_FILE (None: none, or larger); the request itself is
    capped before its form is parsed."""
    request.max_content_length = MAX_UPLOAD
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        return None
    data = upload.read(MAX_FILE + 1)
    return None if len(data) > MAX_FILE else data


class CertificateView(ScopedModelView):
    """«Эл. Подпись»: users' certificates and their signing rights."""

    route_base = "/certificates"
    datamodel = SQLAInterface(Certificate)
    class_permission_name = Resource.CERTIFICATE
    crud_methods = ("edit", "delete")
    list_title = _l("Electronic signature")
    show_title = edit_title = _l("Certificate")
    base_filters = [["user_id", OwnRowsUnlessFund, None]]
    list_columns = [
        "user",
        "signature_rights",
        "subject",
        "issuer",
        "serial",
        "not_before",
        "not_after",
        "thumbprint",
        "active",
    ]
    show_columns = [
        "user",
        "organisation",
        "subject",
        "issuer",
        "serial",
        "not_before",
        "not_after",
        "thumbprint",
        "active",
        "uploaded_at",
        "uploaded_by",
    ]
    edit_columns = ["active"]
    search_columns = ["user", "subject", "thumbprint", "active"]
    base_order = ("id", "desc")
    formatters_columns = {"not_before": format_datetime, "not_after": format_datetime, "uploaded_at": format_datetime}
    label_columns = {
        "user": _l("User"),
        "organisation": _l("Organisation"),
        "signature_rights": _l("Signature right"),
        "subject": _l("Subject"),
        "issuer": _l("Issuer"),
        "serial": _l("Serial number"),
        "not_before": _l("Valid from"),
        "not_after": _l("Valid to"),
        "thumbprint": _l("Thumbprint (SHA-1)"),
        "active": _l("Active"),
        "uploaded_at": _l("Uploaded at"),
        "uploaded_by": _l("Uploaded by"),
    }
    method_permission_name = {"upload": PERM_WRITE}
    list_template = "oms/certificate_list.html"

    @expose("/upload", methods=["GET", "POST"])
    @has_access
    def upload(self):
        if request.method == "POST":
            result = certificates.upload_certificate(g.user, request.form.get("user_id"), _upload_bytes("certificate"))
            flash(result.message, "success" if result.ok else "danger")
            if result.ok:
                return redirect(url_for("CertificateView.list"))
        return self.render_template(
            "oms/certificate_upload.html",
            users=certificates.certificate_holders(g.user),
            title=_l("Register a certificate"),
            action=url_for("CertificateView.upload"),
        )


class TrustRootView(GlobalModelView):
    """«Корневые сертификаты»: the CA certificates the region accepts."""

    route_base = "/trust-roots"
    datamodel = SQLAInterface(TrustRoot)
    class_permission_name = Resource.TRUST_ROOT
    crud_methods = ("edit", "delete")
    list_title = _l("Trust roots")
    show_title = edit_title = _l("Trust root")
    list_columns = ["name", "subject", "serial", "not_before", "not_after", "thumbprint", "active"]
    show_columns = ["name", "subject", "serial", "not_before", "not_after", "thumbprint", "active", "added_at"]
    edit_columns = ["name", "active"]
    formatters_columns = {"not_before": format_datetime, "not_after": format_datetime, "added_at": format_datetime}
    label_columns = {
        "name": _l("Name"),
        "subject": _l("Subject"),
        "serial": _l("Serial number"),
        "not_before": _l("Valid from"),
        "not_after": _l("Valid to"),
        "thumbprint": _l("Thumbprint (SHA-1)"),
        "active": _l("Active"),
        "added_at": _l("Added at"),
    }
    method_permission_name = {"upload": PERM_WRITE}
    list_template = "oms/trust_root_list.html"

    @expose("/upload", methods=["GET", "POST"])
    @has_access
    def upload(self):
        if request.method == "POST":
            result = certificates.upload_trust_root(g.user, _upload_bytes("certificate"), request.form.get("name"))
            flash(result.message, "success" if result.ok else "danger")
            if result.ok:
                return redirect(url_for("TrustRootView.list"))
        return self.render_template(
            "oms/certificate_upload.html",
            users=None,
            title=_l("Add a trust root"),
            action=url_for("TrustRootView.upload"),
        )


class RegistrySigningView(ScopedModelView):
    """The signing page of a registry (no list of its own: it opens from «Текущие реестры»)."""

    route_base = "/signing"
    datamodel = SQLAInterface(Registry)
    class_permission_name = Resource.REGISTRY
    crud_methods = ()
    list_columns = ["number", "status"]
    method_permission_name = {
        "page": PERM_READ,
        "print_set": PERM_READ,
        "pkcs12": PERM_WRITE,
        "files": PERM_WRITE,
        "provider": PERM_WRITE,
        "paper": PERM_WRITE,
    }

    def _back(self, pk):
        return redirect(url_for("RegistrySigningView.page", pk=pk))

    def _flash(self, result):
        flash(result.message, "success" if result.ok else "danger")

    @expose("/<int:pk>")
    @has_access
    def page(self, pk):
        page = signing.signing_page(g.user, pk)
        if page is None:
            abort(404)
        return self.render_template(
            "oms/signing_page.html",
            reg=page.registry,
            docs=page.documents,
            turn=page.turn,
            role_name=signing.role_name,
            refusal=page.refusal,
            paper_refusal=page.paper_refusal,
            checks=page.checks,
            signatures=page.signatures,
            steps=page.steps,
            provider=page.provider,
            title=f"Подписание реестра {page.registry.number}",
        )

    @expose("/<int:pk>/pkcs12", methods=["POST"])
    @has_access
    def pkcs12(self, pk):
        reg = self._scoped_get(pk)
        data = _upload_bytes("pkcs12")
        if data is None:
            flash(str(_l("Choose the PKCS#12 file (.p12, .pfx)")), "danger")
            return self._back(pk)
        self._flash(signing.sign_with_pkcs12(g.user, reg.id, data, request.form.get("passphrase") or None))
        return self._back(pk)

    @expose("/<int:pk>/files", methods=["POST"])
    @has_access
    def files(self, pk):
        reg = self._scoped_get(pk)
        request.max_content_length = MAX_UPLOAD  # before the form is parsed: no 1 GB of «signatures»
        uploads = [(f.filename, f.stream) for f in request.files.getlist("signatures") if f.filename]
        if not uploads:
            flash(str(_l("Choose the .sig files, one per document")), "danger")
            return self._back(pk)
        self._flash(signing.sign_with_uploads(g.user, reg.id, uploads))
        return self._back(pk)

    @expose("/<int:pk>/provider", methods=["POST"])
    @has_access
    def provider(self, pk):
        reg = self._scoped_get(pk)
        self._flash(signing.sign_with_provider(g.user, reg.id))
        return self._back(pk)

    @expose("/<int:pk>/paper", methods=["POST"])
    @has_access
    def paper(self, pk):
        reg = self._scoped_get(pk)
        self._flash(signing.mark_signed_on_paper(g.user, reg.id, request.form.get("comment")))
        return self._back(pk)

    @expose("/<int:pk>/print")
    @has_access
    def print_set(self, pk):
        page = signing.signing_page(g.user, pk)
        if page is None or not page.documents:
            abort(404)
        return render_template(
            "oms/signing_print.html",
            page={"title": "Лист подписания"},
            doc=page.registry,
            reg=page.registry,
            docs=page.documents,
            checks=page.checks,
            signatures=page.signatures,
            steps=page.steps,
            printable=printing.printable_kinds(page.registry),
        )
