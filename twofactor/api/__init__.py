"""The JSON API for single-page and mobile clients, mounted with path("api/v1/", include("twofactor.api.urls")).

Views (views/) parse and answer HTTP only and call the same flows as the pages; endpoint.py holds what
every view shares (methods, CSRF, sign-in, the error shape), body.py reads JSON through Django forms,
shapes.py builds the answers, and openapi.py is the OpenAPI document describing all of it.
"""
