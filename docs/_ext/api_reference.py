"""The JSON API's reference as Markdown, rendered from the OpenAPI document the app serves (`twofactor.api.openapi`):
every path and method, its request body, its answers and the schemas they refer to, so the page cannot drift."""

SCHEMA_REF = "#/components/schemas/"
RESPONSE_REF = "#/components/responses/"
METHODS = ("get", "post", "put", "patch", "delete")


def label(kind: str, name: str) -> str:
    """A Sphinx label for an operation or a schema (lowercase, no spaces)."""
    return f"api-{kind}-{name}".lower()


def _schema_link(ref: str) -> str:
    name = ref.removeprefix(SCHEMA_REF)
    return f"{{ref}}`{name} <{label('schema', name)}>`"


def _code(value) -> str:
    if value is None:
        return "`null`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value}`"


def type_text(schema: dict) -> str:
    """What a value of `schema` is, in a few words."""
    if "$ref" in schema:
        return _schema_link(schema["$ref"])
    if "const" in schema:
        return _code(schema["const"])
    if "oneOf" in schema:
        return " or ".join(type_text(option) for option in schema["oneOf"])
    kinds = schema.get("type", "any")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    if "array" in kinds:
        items = schema.get("items", {})
        return "array of " + type_text(items) if items else "array"
    text = " or ".join(kinds)
    if "enum" in schema:
        text += ": " + ", ".join(_code(value) for value in schema["enum"])
    limits = []
    if "minLength" in schema:
        limits.append(f"at least {schema['minLength']} characters")
    if "maxLength" in schema:
        limits.append(f"at most {schema['maxLength']} characters")
    if "minimum" in schema:
        limits.append(f"at least {schema['minimum']}")
    if "maximum" in schema:
        limits.append(f"at most {schema['maximum']}")
    if "format" in schema:
        limits.append(schema["format"])
    return text + (f" ({', '.join(limits)})" if limits else "")


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def field_rows(schema: dict, prefix: str = "") -> list[str]:
    """Table rows (field, type, required, description) for an object schema, nested objects flattened."""
    rows = []
    required = set(schema.get("required", []))
    for name, field in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        nested = field.get("type") == "object" and "properties" in field
        kind = "object" if nested else type_text(field)
        rows.append(
            f"| `{path}` | {_cell(kind)} | {'yes' if name in required else 'no'} | {_cell(field.get('description', ''))} |"
        )
        if nested:
            rows += field_rows(field, prefix=f"{path}.")
    return rows


def schema_text(schema: dict) -> list[str]:
    """Markdown for a schema: a field table for an object, a table per variant for a choice."""
    if "oneOf" in schema:
        lines = ["One of:", ""]
        for number, option in enumerate(schema["oneOf"], 1):
            lines += [f"*Variant {number}*", ""] + schema_text(option) + [""]
        return lines
    if schema.get("properties"):
        rows = field_rows(schema)
        if all(row.endswith("|  |") for row in rows):  # no field has a description: leave the column out
            lines = ["| field | type | required |", "|---|---|---|", *(row.removesuffix("  |") for row in rows)]
        else:
            lines = ["| field | type | required | description |", "|---|---|---|---|", *rows]
        if schema.get("additionalProperties") is False:
            lines += ["", "No other field is accepted."]
        return lines
    if schema.get("type") == "object" and not schema.get("properties") and schema.get("additionalProperties") is False:
        return ["An empty object (or no body)."]
    return [type_text(schema) + (f": {schema['description']}" if schema.get("description") else "")]


def _json_schema(part: dict) -> dict | None:
    return part.get("content", {}).get("application/json", {}).get("schema")


def security_text(requirements: list, document: dict) -> str:
    """What a request must carry, from the operation's security requirements."""
    schemes = document["components"].get("securitySchemes", {})
    names = [name for requirement in requirements for name in requirement]
    if not names:
        return "Open to anyone: no session needed."
    carried = [f"the {schemes[name]['in']} `{schemes[name]['name']}`" for name in names]
    return "Send " + ", ".join(carried[:-1]) + (" and " if len(carried) > 1 else "") + carried[-1] + "."


def operation_text(path: str, method: str, operation: dict, document: dict) -> list[str]:
    base = document["servers"][0]["url"]
    responses = document["components"].get("responses", {})
    lines = [f"({label('op', operation['operationId'])})=", f"### `{method.upper()} {base}{path}`", ""]
    lines += [operation.get("summary", ""), ""]
    if operation.get("description"):
        lines += [operation["description"], ""]
    lines += [security_text(operation.get("security", []), document), ""]
    parameters = operation.get("parameters", [])
    if parameters:
        lines += ["**Parameters**", "", "| name | in | type | description |", "|---|---|---|---|"]
        for parameter in parameters:
            lines.append(
                f"| `{parameter['name']}` | {parameter['in']} | {_cell(type_text(parameter.get('schema', {})))} "
                f"| {_cell(parameter.get('description', ''))} |"
            )
        lines.append("")
    body = operation.get("requestBody")
    if body:
        schema = _json_schema(body)
        if schema.get("$ref", "").endswith("/EmptyBody"):
            lines += ["**Request body**: none (an empty JSON object is accepted).", ""]
        else:
            lines += [f"**Request body** ({'required' if body.get('required') else 'optional'}, JSON)", ""]
            lines += schema_text(schema) + [""]
    lines += ["**Answers**", ""]
    for status, answer in operation["responses"].items():
        if "$ref" in answer:
            name = answer["$ref"].removeprefix(RESPONSE_REF)
            answer = responses[name]
        schema = _json_schema(answer)
        parts = [type_text(schema)] if schema else []
        if answer.get("description") and answer["description"] != "OK":
            parts.append(_cell(answer["description"]))
        lines.append(f"- `{status}`: " + " — ".join(parts))
    return lines + [""]


def markdown(document: dict) -> str:
    """The reference: the API's description, every operation, then every schema."""
    lines = [document["info"].get("description", ""), "", "## Endpoints", ""]
    for path, operations in document["paths"].items():
        for method in METHODS:
            if method in operations:
                lines += operation_text(path, method, operations[method], document)
    lines += ["## Schemas", ""]
    for name, schema in document["components"]["schemas"].items():
        lines += [f"({label('schema', name)})=", f"### {name}", ""]
        if schema.get("description"):
            lines += [schema["description"], ""]
        lines += schema_text(schema) + [""]
    return "\n".join(lines)


def index_markdown(document: dict) -> str:
    """One row per endpoint (method and path, what it does), each linked to its entry in the reference."""
    base = document["servers"][0]["url"]
    rows = ["| endpoint | what |", "|---|---|"]
    for path, operations in document["paths"].items():
        for method in METHODS:
            if method in operations:
                operation = operations[method]
                target = label("op", operation["operationId"])
                rows.append(
                    f"| {{ref}}`{method.upper()} {base}{path} <{target}>` | {_cell(operation.get('summary', ''))} |"
                )
    return "\n".join(rows) + "\n"
