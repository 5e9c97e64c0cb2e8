"""Reading a JSON request body through a Django form, so the API validates exactly as the pages do.

Before the form sees the data, the body must be a JSON object sent as application/json, name
only the form's fields, and give each the JSON type it needs (a string, or true/false for a
checkbox); anything else is a `validation_error` naming the fields.
"""

import json

from django import forms
from django.utils.translation import gettext as _

from .responses import validation_error

MAX_BODY_BYTES = 16 * 1024
BODY = "__all__"  # the key of errors about the body as a whole, as in Django's form errors


class EmptyForm(forms.Form):
    """For endpoints that take no fields: any field sent is refused."""


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return MAX_BODY_BYTES + 1


def check_body_headers(request) -> None:
    """Refuse, from the headers alone, a body that is too large or not JSON.

    Runs before the CSRF check, which would otherwise parse (and may choke on) a form body.
    """
    length = _declared_length(request)
    if length > MAX_BODY_BYTES:
        message = _("The request body may be at most %(limit)d bytes.") % {"limit": MAX_BODY_BYTES}
        raise validation_error({BODY: message}, message)
    if length > 0 and request.content_type != "application/json":
        message = _("Send the body as JSON, with the header Content-Type: application/json.")
        raise validation_error({BODY: message}, message)


def _parse(request) -> dict:
    if request.content_type != "application/json" or not request.body:
        return {}  # check_body_headers refused any other body
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError):
        message = _("The body is not valid JSON.")
        raise validation_error({BODY: message}, message) from None
    if not isinstance(data, dict):
        message = _("The body must be a JSON object.")
        raise validation_error({BODY: message}, message)
    return data


def _is_text(value: str) -> bool:
    """False for strings a database cannot store, such as lone UTF-16 surrogates from JSON escapes."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _type_errors(data: dict, fields: dict) -> dict:
    errors = {}
    for name, value in data.items():
        field = fields.get(name)
        if field is None:
            errors[name] = _("Unknown field.")
        elif isinstance(field, forms.BooleanField):
            if not isinstance(value, bool):
                errors[name] = _("Must be true or false.")
        elif not isinstance(value, str):
            errors[name] = _("Must be a string.")
        elif not _is_text(value):
            errors[name] = _("Must be text (it contains an invalid character).")
    return errors


def read_json(request, form_class: type[forms.Form], **form_kwargs) -> dict:
    """The cleaned data of `form_class` bound to the request's JSON body, or a validation_error."""
    data = _parse(request)
    errors = _type_errors(data, form_class(**form_kwargs).fields)
    if not errors:
        form = form_class(data=data, **form_kwargs)
        if form.is_valid():
            return form.cleaned_data
        errors = {name: " ".join(messages) for name, messages in form.errors.items()}
    # One problem is told in the message itself; several are summed up there and listed in `fields`.
    raise validation_error(errors, next(iter(errors.values())) if len(errors) == 1 else None)
