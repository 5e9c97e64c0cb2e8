"""The OpenAPI 3.1 document of the JSON API, kept as Python data beside the views it describes.

errors.py lists the error codes, schemas.py the components (request bodies derived from the forms that validate
them, `form_schema`), paths.py the shared endpoints; each method adds its own endpoints and schemas.
tests/test_openapi_schemathesis.py runs Schemathesis against the live API from this document,
and tests/test_api_openapi.py checks that every route is described; change both together.
"""

from copy import deepcopy

from django.conf import settings

from ...core import registry
from .errors import DESCRIPTION, ERROR_CODES
from .paths import sent_code_setup_paths, shared_paths
from .schemas import COMPONENTS

__all__ = ["ERROR_CODES", "document"]


def _describe_methods(schemas: dict, paths: dict) -> None:
    """Add the active methods: their keys where a method is named, their own endpoints and schemas."""
    methods = registry.methods()
    keys = [method.key for method in methods]
    two_factor = schemas["Session"]["properties"]["two_factor"]["properties"]
    two_factor["methods"]["items"]["enum"] = keys
    two_factor["primary_method"]["enum"] = [method.key for method in methods if not method.recovery] + [None]
    schemas["Device"]["properties"]["method"]["enum"] = keys
    for method in methods:
        schemas.update(method.openapi_schemas())
        if method.sends_code:
            paths.update(sent_code_setup_paths(method))
        paths.update(method.openapi_paths())
    paths["/openapi.json"] = paths.pop("/openapi.json")  # last, as before


def csrf_header_name() -> str:
    """The header Django reads the CSRF token from (CSRF_HEADER_NAME is a WSGI META key)."""
    meta_name = settings.CSRF_HEADER_NAME
    if meta_name == "HTTP_X_CSRFTOKEN":
        return "X-CSRFToken"
    return "-".join(part.capitalize() for part in meta_name.removeprefix("HTTP_").split("_"))


def document(base_path: str = "/api/v1") -> dict:
    """The OpenAPI document for the API mounted at `base_path`, with this site's cookie and header names."""
    components = deepcopy(COMPONENTS)
    paths = shared_paths()
    _describe_methods(components["schemas"], paths)
    schemes = components["securitySchemes"]
    schemes["sessionCookie"]["name"] = settings.SESSION_COOKIE_NAME
    schemes["csrfCookie"]["name"] = settings.CSRF_COOKIE_NAME
    schemes["csrfHeader"]["name"] = csrf_header_name()
    return {
        "openapi": "3.1.0",
        "info": {"title": "Two-factor sign-in API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": base_path}],
        "paths": paths,
        "components": components,
    }
