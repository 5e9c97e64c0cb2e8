"""The JSON API for single-page and mobile clients, mounted with path("api/v1/", include("twofactor.api.urls")).

Views (views/) parse and answer HTTP only and call the same flows as the pages; forms.py validates the bodies;
openapi/ is the OpenAPI document describing all of it (each method adds its own endpoints). What the views share
with the pages and with each method's endpoints (the endpoint decorator, JSON bodies, answers and their shapes)
lives in twofactor.web.
"""
