"""The OpenAPI spec and Swagger UI describe the МИС API, for every role that uses it; the spec
is a valid OpenAPI 3 document (``openapi-spec-validator``), since МИС vendors generate their
clients from it.  Real calls checked against it: test_mis_openapi_contract.py."""

from __future__ import annotations

from openapi_spec_validator import validate

from tests.api.helpers import REGISTRIES, Api, fetch_spec

ENDPOINTS = {
    "/api/v1/mis/files/": {"get", "post"},
    "/api/v1/mis/files/check": {"post"},
    "/api/v1/mis/files/{pk}": {"get"},
    "/api/v1/mis/files/{pk}/errors": {"get"},
    "/api/v1/mis/files/{pk}/protocol": {"get"},
    "/api/v1/mis/files/{pk}/cases": {"get"},
    "/api/v1/mis/cases/{pk}": {"get"},
    "/api/v1/mis/registries/": {"get"},
    "/api/v1/mis/registries/{pk}": {"get"},
    "/api/v1/mis/registries/{pk}/status": {"post"},
    "/api/v1/mis/registries/{pk}/documents": {"get"},
    "/api/v1/mis/registries/{pk}/documents/{doc_id}": {"get"},
    "/api/v1/mis/registries/{pk}/documents.zip": {"get"},
}


def test_openapi_spec_lists_the_mis_endpoints(app, browser_factory):
    api = Api.with_key(app, browser_factory, "mo1_operator")
    resp = api.get("/api/v1/_openapi")
    assert resp.status_code == 200
    spec = resp.get_json()
    for path, methods in ENDPOINTS.items():
        assert path in spec["paths"], path
        assert methods == set(spec["paths"][path]), path
        for method in methods:
            operation = spec["paths"][path][method]
            assert operation["summary"], (path, method)  # described in Russian
            assert {"api_key": []} in operation["security"] and {"jwt": []} in operation["security"]
    schemas = spec["components"]["schemas"]
    assert schemas["MisRegistrySchema"]["properties"]["sum_calc"]["type"] == "string"  # money as text
    assert {"status", "note", "records", "flk_rejected", "flk_errors", "mek_rejected"} <= set(
        schemas["MisFileSchema"]["properties"]
    )
    assert {"stage", "code", "element", "n_zap", "idcase", "sl_id", "value", "comment"} <= set(
        schemas["MisErrorSchema"]["properties"]
    )
    assert {"status", "sumv", "sum_calc", "mek_withheld", "sump"} <= set(schemas["MisCaseSchema"]["properties"])
    assert {"name", "code", "value", "source"} == set(schemas["MisCostFactorSchema"]["properties"])
    upload = spec["paths"]["/api/v1/mis/files/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
    assert spec["components"]["securitySchemes"]["api_key"]["scheme"] == "bearer"
    assert "/api/v1/security/login" in spec["paths"]


def test_swagger_ui_opens_for_the_roles_of_the_api(app, browser_factory):
    for username in ("mo1_operator", "smo1_specialist"):
        b = browser_factory(username)
        resp = b.get("/swagger/v1")
        assert resp.status_code == 200 and "/api/v1/_openapi" in resp.get_data(as_text=True), username
        assert b.get("/api/v1/_openapi").status_code == 200
    assert browser_factory().get("/api/v1/_openapi").status_code == 401  # not to strangers


def test_openapi_document_is_valid(app, browser_factory):
    spec = fetch_spec(app, browser_factory)
    validate(spec)  # raises OpenAPIValidationError naming the place
    # what broke it once: a YAML flow mapping read «статус реестра, например «Создан»}» as keys
    params = {p["name"]: p for p in spec["paths"][f"{REGISTRIES}/"]["get"]["parameters"]}
    assert set(params["status"]) == {"in", "name", "schema", "description"}
    assert params["status"]["description"] == "статус реестра, например «Создан»"
    assert params["reg_type"]["description"].endswith("АПП, Стационар, Дневной стационар, СМП, Иногородние")


def test_every_mis_operation_has_an_operation_id_and_describes_its_answers(app, browser_factory):
    """A generated client names its methods by operationId and needs a schema for each JSON answer."""
    spec = fetch_spec(app, browser_factory)
    ids = []
    for path, item in spec["paths"].items():
        if not path.startswith("/api/v1/mis/"):
            continue
        for method, operation in item.items():
            ids.append(operation.get("operationId"))
            assert operation.get("operationId"), (path, method)
            for code, answer in operation["responses"].items():
                assert "$ref" in answer or answer.get("content"), f"{method} {path} {code}: no body described"
    assert len(ids) == len(set(ids)) == sum(len(methods) for methods in ENDPOINTS.values())
