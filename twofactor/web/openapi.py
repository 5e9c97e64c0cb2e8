"""Building the OpenAPI document's parts: operations, object schemas, request bodies derived from forms.

The API's document (twofactor.api.openapi) is made of these, and so are the paths and schemas each method
describes its own endpoints with (`Method.openapi_paths`, `Method.openapi_schemas`).
"""

from django import forms


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: list[str] | None = None, **extra) -> dict:
    """An object schema with exactly these properties."""
    return {
        "type": "object",
        "properties": properties,
        "required": required or [],
        "additionalProperties": False,
        **extra,
    }


STATUS_RESPONSES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    429: "Throttled",
    503: "DeliveryFailed",
}


def form_schema(form) -> dict:
    """The JSON body a form accepts (twofactor.web.body.read_json): its fields, their types, limits and choices.

    The API reads every body through a form, so the document is derived from the same declaration.
    """
    properties, required = {}, []
    form = form() if isinstance(form, type) else form
    for name, field in form.fields.items():
        if isinstance(field, forms.BooleanField):
            schema = {"type": "boolean"}
        elif isinstance(field, forms.ChoiceField):
            schema = {"type": "string", "enum": [str(value) for value, _label in field.choices if value != ""]}
        else:
            schema = {"type": "string"}
            if getattr(field, "max_length", None):
                schema["maxLength"] = field.max_length
        if field.help_text:
            schema["description"] = str(field.help_text)
        properties[name] = schema
        if field.required:
            required.append(name)
    return obj(properties, required)


SESSION_SECURITY = [{"sessionCookie": []}]
UNSAFE_SECURITY = [{"sessionCookie": [], "csrfCookie": [], "csrfHeader": []}]
CSRF_ONLY_SECURITY = [{"csrfCookie": [], "csrfHeader": []}]


def operation(
    operation_id: str,
    summary: str,
    answer: str,
    errors: list[int],
    *,
    body: str | None = None,
    form=None,
    body_required: bool = True,
    security: list | None = None,
    parameters: list | None = None,
) -> dict:
    """One operation: 200 with the `answer` schema, then the listed error statuses (401 is always possible).

    The body is the component schema named `body`, or the schema of `form` (`form_schema`).
    """
    responses = {"200": {"description": "OK", "content": {"application/json": {"schema": ref(answer)}}}}
    for status in sorted({401, *errors}):
        responses[str(status)] = {"$ref": f"#/components/responses/{STATUS_RESPONSES[status]}"}
    described = {
        "operationId": operation_id,
        "summary": summary,
        "responses": responses,
        "security": security if security is not None else UNSAFE_SECURITY,
    }
    if body or form:
        described["requestBody"] = {
            "required": body_required,
            "content": {"application/json": {"schema": ref(body) if body else form_schema(form)}},
        }
    if parameters:
        described["parameters"] = parameters
    return described


BODY_ERRORS = [400, 403]  # validation_error, csrf_failed: every operation with a body
