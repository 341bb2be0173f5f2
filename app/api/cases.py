"""``/api/v1/mis/cases``: one case with its recalculated cost — what the case card of «Случаи»
shows under «Расчет стоимости» (the formula, every coefficient and where it came from, the share
of an interrupted case).  Thin: one call of :func:`app.services.intake.cases.case_card`, which
looks the case up in the user's scope, so another organisation's case is «not found»."""

from __future__ import annotations

from flask_appbuilder.api import expose, protect, safe

from app.api.base import MisApi
from app.api.schemas import COMPONENTS, MisCaseSchema, MisCostSchema
from app.models.intake import MedicalCase
from app.models.vocabulary import Resource
from app.security.request_scope import not_found_message
from app.services.intake.cases import case_card

_case = MisCaseSchema()  # MisCaseDetailSchema: these fields and the cost
_cost = MisCostSchema()


class MisCaseApi(MisApi):
    resource_name = "mis/cases"
    class_permission_name = Resource.MEDICAL_CASE  # the page «Случаи»: same roles
    method_permission_name = {"show": "read"}
    openapi_spec_tag = "МИС: случаи"
    openapi_spec_component_schemas = COMPONENTS

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    def show(self, pk):
        """One case: status, sums and the breakdown of its recalculated cost.
        ---
        get:
          operationId: getCase
          summary: Случай и расчет его стоимости (формула, коэффициенты и их источники, доля прерванного случая)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: Случай
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisCaseResultSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              description: Нет такого случая в пределах вашей организации
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisMessageSchema'
        """
        card = case_card(self.api_user(), pk)
        if card is None:
            return self.not_found(not_found_message(MedicalCase))
        return self.response(200, result=_case.dump(card.case) | {"cost": _cost.dump(card.cost)})
