"""A client of /api/v1/ that behaves like a real single-page or mobile app.

It keeps cookies, sends JSON bodies with Content-Type: application/json, and echoes the csrftoken
cookie in the X-CSRFToken header, with Django's CSRF checks enforced (unlike the default test client).
"""

import json
import re

from django.core import mail
from django.test import Client

from twofactor import sms

API = "/api/v1"
NO_BODY = object()


class ApiClient:
    def __init__(self, **defaults):
        self.django = Client(enforce_csrf_checks=True, **defaults)

    @property
    def csrf_token(self) -> str:
        if "csrftoken" not in self.django.cookies:
            self.get("/session")
        return self.django.cookies["csrftoken"].value

    def get(self, path: str, **extra):
        return self.django.get(API + path, **extra)

    def post(self, path: str, data=NO_BODY, *, csrf: bool = True, **extra):
        return self._send("post", path, data, csrf, extra)

    def delete(self, path: str, data=NO_BODY, *, csrf: bool = True, **extra):
        return self._send("delete", path, data, csrf, extra)

    def _send(self, method: str, path: str, data, csrf: bool, extra: dict):
        headers = {**({"X-CSRFToken": self.csrf_token} if csrf else {}), **extra.pop("headers", {})}
        body = "" if data is NO_BODY else data if isinstance(data, (str, bytes)) else json.dumps(data)
        content_type = extra.pop("content_type", "application/json")
        return getattr(self.django, method)(API + path, body, content_type=content_type, headers=headers, **extra)

    # Whole steps, as a client app would take them

    def login(self, username: str, password: str, *, expect: int = 200) -> dict:
        response = self.post("/login", {"username": username, "password": password})
        assert response.status_code == expect, response.content
        return response.json()

    def verify(self, code: str, *, expect: int = 200, **fields) -> dict:
        response = self.post("/2fa/verify", {"code": code, **fields})
        assert response.status_code == expect, response.content
        return response.json()


def error_of(response, status: int, code: str) -> dict:
    """Assert the API's error shape with this status and code; return the error object."""
    assert response.status_code == status, (response.status_code, response.content)
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    return error


def last_emailed_code() -> str:
    """The 6-digit code of the last mail sent (Django's locmem outbox)."""
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def last_texted_code() -> str:
    """The 6-digit code of the last text message sent (the locmem SMS backend)."""
    return re.search(r"\b(\d{6})\b", sms.outbox[-1].body).group(1)
