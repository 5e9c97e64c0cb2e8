"""twofactor.admin.rescue: the rescue desk's list actions, their confirmation page and what they tell the staff."""

import html

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.test_admin import RESCUES, file_request, run_action, staff_client, verified_user
from twofactor.models import RescueRequest

LONG_MESSAGE = "Lost my phone on the train. " * 20  # 560 characters: cut on the confirmation page


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.TWOFACTOR_RESCUE_EMAIL = ["helpdesk@example.com"]
    settings.TWOFACTOR_RATE_LIMIT_STORE = "database"


def told(response) -> list[tuple[int, str]]:
    return [(message.level, str(message.message)) for message in get_messages(response.wsgi_request)]


def confirmation_page(desk, action: str, rescues: list[RescueRequest]):
    return desk.post(RESCUES, {"action": action, "_selected_action": [rescue.pk for rescue in rescues], "index": 0})


def test_the_confirmation_page_names_each_request_its_user_and_the_start_of_the_message(db):
    verified_user("alice")
    rescue = file_request("alice", LONG_MESSAGE)
    _staff, desk = staff_client("helper", "twofactor.handle_rescuerequest")

    page = confirmation_page(desk, "approve", [rescue])
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    assert f"{rescue} — alice <alice@example.com>" in text
    assert LONG_MESSAGE[:299].strip() + "…" in text and LONG_MESSAGE[:300] not in text  # cut at 300 characters
    assert "Reset two-factor authentication of these users?" in text and "Approve and reset" in text
    assert 'name="action" value="approve"' in text
    assert f'name="_selected_action" value="{rescue.pk}"' in text

    denial = html.unescape(confirmation_page(desk, "deny", [rescue]).content.decode())
    assert "Deny these requests?" in denial and 'name="action" value="deny"' in denial


def test_the_confirmation_page_loads_the_users_with_their_requests(db):
    for name in ("alice", "bob", "carol"):
        verified_user(name)
    rescues = [file_request(name, "please") for name in ("alice", "bob", "carol")]
    _staff, desk = staff_client("helper", "twofactor.handle_rescuerequest")
    counts = []
    for chosen in (rescues[:1], rescues):
        with CaptureQueriesContext(connection) as queries:
            assert confirmation_page(desk, "deny", chosen).status_code == 200
        counts.append(len(queries))
    # Two more accounts cost only the rank rule's reads of their permissions (2 statements each); the accounts
    # themselves come in the query of the requests.
    assert counts[1] - counts[0] == 2 * 2, counts


def test_staff_are_told_what_was_done_and_warned_when_nothing_was_open(db):
    for name in ("alice", "bob"):
        verified_user(name)
    rescues = [file_request(name, "please") for name in ("alice", "bob")]
    _staff, desk = staff_client("helper", "twofactor.handle_rescuerequest")

    denied = run_action(desk, RESCUES, "deny", [rescue.pk for rescue in rescues], "Could not confirm who asked.")
    assert denied.status_code == 302
    assert told(denied) == [(messages.SUCCESS, "Denied 2 requests.")]
    desk.get(RESCUES)  # the list shows the message

    again = confirmation_page(desk, "approve", rescues)
    assert again.status_code == 302
    assert told(again) == [(messages.WARNING, "Only open requests can be approved or denied.")]
    assert set(RescueRequest.objects.values_list("status", flat=True)) == {"denied"}


def test_approving_one_request_says_so(db):
    verified_user("alice")
    rescue = file_request("alice", "please")
    _staff, desk = staff_client("helper", "twofactor.handle_rescuerequest")
    done = run_action(desk, RESCUES, "approve", [rescue.pk], "Called the number on file.")
    assert told(done) == [(messages.SUCCESS, "Approved 1 request; two-factor was reset.")]


def test_requests_are_neither_added_nor_deleted_in_the_admin_even_by_a_superuser(db):
    verified_user("alice")
    rescue = file_request("alice", "please")
    _root, desk = staff_client("root", is_superuser=True)
    assert desk.get(f"{RESCUES}add/").status_code == 403
    assert desk.get(f"{RESCUES}{rescue.pk}/delete/").status_code == 403
    listing = desk.get(RESCUES).content.decode()
    assert 'value="delete_selected"' not in listing and f"{RESCUES}add/" not in listing
    desk.post(RESCUES, {"action": "delete_selected", "_selected_action": [rescue.pk], "post": "yes"})
    assert RescueRequest.objects.filter(pk=rescue.pk).exists()
