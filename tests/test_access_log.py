"""The access log the Procfile's web command writes keeps no one-use token: reset, unlock and "Not you?" links are
logged with "[token]" in place of the token, in the request line and in the Referer of a form posted from them."""

import pytest
import requests

from tests.support.app_servers import BEHIND_PROXY, app_servers, server_env
from tests.support.live_server import database_url
from twofa_site.redaction import redact

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "c4v8Zq-3b1f9e0d7a6c5b4a3f2e1d0c9b8a7f6e"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/accounts/password/reset/MQ/{TOKEN}/", "/accounts/password/reset/MQ/[token]/"),
        ("/accounts/password/reset/MQ/set-password/", "/accounts/password/reset/MQ/set-password/"),
        (f"/2fa/unlock/{TOKEN}/", "/2fa/unlock/[token]/"),
        (f"https://example.com/2fa/not-you/{TOKEN}/?x=1", "https://example.com/2fa/not-you/[token]/?x=1"),
        ("/2fa/verify/", "/2fa/verify/"),
    ],
)
def test_token_paths_are_redacted_and_others_left_alone(path, expected):
    assert redact(path) == expected


def test_the_web_commands_access_log_has_no_token(tmp_path):
    with app_servers(1, server_env(database_url()), tmp_path) as [url]:
        for path in (f"/accounts/password/reset/MQ/{TOKEN}/", f"/2fa/unlock/{TOKEN}/", f"/2fa/not-you/{TOKEN}/"):
            requests.get(url + path, headers=BEHIND_PROXY, timeout=10)
        requests.post(
            f"{url}/2fa/unlock/x/", headers={**BEHIND_PROXY, "Referer": f"{url}/2fa/unlock/{TOKEN}/"}, timeout=10
        )
    log = (tmp_path / "server-0.log").read_text()
    assert "/2fa/unlock/[token]/" in log and "/accounts/password/reset/MQ/[token]/" in log
    assert TOKEN not in log
