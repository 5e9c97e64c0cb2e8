"""A twilio HttpClient that records each request and answers with canned responses.

The real twilio.rest.Client builds the request (URL, form data, basic auth) and parses the
answer; only the socket is replaced, so tests check what would go over the wire.
"""

import json
import logging
from dataclasses import dataclass

from twilio.http import HttpClient
from twilio.http.response import Response

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "auth-token-" + "7" * 21
MESSAGING_SERVICE_SID = "MG" + "2" * 32


@dataclass
class RecordedRequest:
    method: str
    url: str
    auth: tuple[str, str] | None
    data: dict | None
    params: dict | None
    headers: dict | None
    timeout: float | None


class RecordingHttpClient(HttpClient):
    """Records requests in `self.requests`; answers with `answers` in order (a Response or an exception to raise).

    When the answers run out, each request gets message_created().
    """

    #: Every client built, newest last: how a test finds the one made from TWOFACTOR_TWILIO_HTTP_CLIENT.
    instances: list["RecordingHttpClient"] = []

    def __init__(self, timeout: float | None = None, answers=()) -> None:
        super().__init__(logging.getLogger("tests.support.twilio_fake"), is_async=False, timeout=timeout)
        self.requests: list[RecordedRequest] = []
        self.answers = list(answers)
        RecordingHttpClient.instances.append(self)

    def request(
        self, method, url, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False
    ) -> Response:
        self.requests.append(RecordedRequest(method, url, auth, data, params, headers, timeout))
        answer = self.answers.pop(0) if self.answers else message_created()
        if isinstance(answer, BaseException):
            raise answer
        return answer


class ScriptedTwilioClient(RecordingHttpClient):
    """The recording transport, built from TWOFACTOR_TWILIO_HTTP_CLIENT, answering with `script` first."""

    script: list = []

    def __init__(self, timeout: float | None = None) -> None:
        super().__init__(timeout, answers=ScriptedTwilioClient.script)
        ScriptedTwilioClient.script = []

    @classmethod
    def all_requests(cls):
        return [request for client in cls.instances for request in client.requests]


def message_created(sid: str = "SM" + "3" * 32) -> Response:
    """Twilio's 201 answer to a new message (the fields the client reads)."""
    payload = {"sid": sid, "account_sid": ACCOUNT_SID, "status": "queued", "num_segments": "1"}
    return Response(201, json.dumps(payload))


def twilio_error(status: int, code: int, message: str) -> Response:
    """Twilio's classic error answer, e.g. twilio_error(400, 21211, "The 'To' number is not valid.")."""
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    payload = {"code": code, "message": message, "more_info": more_info, "status": status}
    return Response(status, json.dumps(payload))


def problem_details(status: int, code: int, detail: str) -> Response:
    """An RFC 9457 error answer, which the client raises as TwilioServiceException."""
    payload = {
        "type": f"https://www.twilio.com/docs/errors/{code}",
        "title": "Request rejected",
        "status": status,
        "code": code,
        "detail": detail,
    }
    return Response(status, json.dumps(payload))
