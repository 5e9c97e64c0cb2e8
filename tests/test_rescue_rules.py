"""The rescue rules word for word: the API's refusals, the caps, the stored message, the events and the staff side."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.db.models.query import QuerySet
from django.test import Client
from django.utils import timezone

from tests.support.api_client import ApiClient, error_of, last_emailed_code
from tests.support.devices import add_totp
from tests.support.users import PASSWORD, make_user, sign_in
from twofactor import flows
from twofactor.errors import TwoFactorError
from twofactor.flows.rescue import TRIMMED_MARKER, _too_many_attempts, clean_message
from twofactor.models import MailboxPassword, RescueCodeDevice, RescueRequest, SecurityEvent

pytestmark = pytest.mark.django_db

Kind = SecurityEvent.Kind
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) RescueTest/1.0"
DISABLED = "This site does not send rescue codes by email. Use a backup code or ask the administrators for help."
STAFF_REFUSED = (
    "Staff accounts cannot be rescued with a code by email: your mailbox alone must never open the admin. "
    "Use a backup code, or ask the administrators for help."
)
MAILBOX_REFUSED = (
    "Your password was reset by email, so a code by email cannot replace your second step as well: whoever reads "
    "your mailbox would have both. Use a backup code, or ask the administrators for help."
)


@pytest.fixture(autouse=True)
def _rescue_settings(settings):
    mail.outbox = []
    settings.TWOFACTOR_RESCUE_EMAIL = ["helpdesk@example.com"]
    settings.TWOFACTOR_RESCUE_BY_EMAIL = True
    settings.TWOFACTOR_RESCUE_LIMIT_PER_ACCOUNT_HOUR = 20
    settings.TWOFACTOR_RESCUE_REQUESTS_PER_IP_HOUR = 20
    settings.TWOFACTOR_RATE_LIMIT_STORE = "database"


def lost_user(username: str = "alice", **extra):
    user = make_user(username, **extra)
    add_totp(user)
    return user


def pending_api(username: str = "alice", **defaults) -> ApiClient:
    api = ApiClient(HTTP_USER_AGENT=BROWSER, **defaults)
    assert api.login(username, PASSWORD)["two_factor"]["state"] == "verify"
    return api


def flow_request(rf, user, session=None, **meta):
    request = rf.post("/", HTTP_USER_AGENT=BROWSER, **meta)
    if user is not None:
        request.user = user
    request.session = session if session is not None else Client().session
    return request


def verified_staff(username: str = "helper", **extra):
    """(staff user, session) that passed both steps just now."""
    staff = make_user(username, is_staff=True, **extra)
    _device, totp = add_totp(staff)
    client = Client()
    sign_in(client, username)
    assert client.post("/2fa/verify/", {"code": totp.now()}).status_code == 302
    return staff, client.session


def file_request(username: str = "alice", message: str = "please") -> RescueRequest:
    pending_api(username).post("/2fa/rescue", {"option": "help", "message": message})
    return RescueRequest.objects.get(user__username=username, status="open")


def only(user, kind) -> SecurityEvent:
    [event] = SecurityEvent.objects.filter(user=user, kind=kind)
    return event


def refusal(call) -> TwoFactorError:
    with pytest.raises(TwoFactorError) as failure:
        call()
    return failure.value


# Who may ask


def test_a_request_without_a_signed_in_user_is_told_to_give_the_password_first(rf):
    for user in (None, AnonymousUser()):
        error = refusal(lambda user=user: flows.file_rescue_request(flow_request(rf, user), "hi"))
        assert (error.code, str(error.message), error.status) == (
            "not_authenticated",
            "Sign in with your password first.",
            401,
        )
    assert not RescueRequest.objects.exists()


def test_a_session_with_no_pending_second_step_is_told_so_word_for_word(rf):
    staff, session = verified_staff()
    error = refusal(lambda: flows.send_rescue_code(flow_request(rf, staff, session)))
    assert (error.code, str(error.message), error.status) == (
        "not_pending",
        "There is no sign-in waiting for its second step.",
        409,
    )


# A code by email


def test_turned_off_codes_by_email_are_refused_word_for_word(settings):
    settings.TWOFACTOR_RESCUE_BY_EMAIL = False
    lost_user()
    error = error_of(pending_api().post("/2fa/rescue", {"option": "email"}), 403, "rescue_by_email_disabled")
    assert error["message"] == DISABLED
    assert mail.outbox == []


def test_staff_are_refused_a_code_by_email_word_for_word():
    lost_user("boss", is_staff=True)
    api = pending_api("boss")
    error = error_of(api.post("/2fa/rescue", {"option": "email"}), 403, "rescue_by_email_refused")
    assert error["message"] == STAFF_REFUSED
    assert mail.outbox == []


def test_a_password_reset_by_email_refuses_a_code_by_email_word_for_word():
    user = lost_user()
    user.set_password(PASSWORD)
    user.save()
    flows.password_changed(None, user, by_email=True)
    assert MailboxPassword.objects.filter(user=user).exists()
    mail.outbox = []
    api = pending_api()
    error = error_of(api.post("/2fa/rescue", {"option": "email"}), 403, "rescue_by_email_refused")
    assert error["message"] == MAILBOX_REFUSED
    assert mail.outbox == []


def test_an_account_without_an_email_address_is_told_to_ask_the_administrators():
    user = lost_user()
    user.email = ""
    user.save()
    error = error_of(pending_api().post("/2fa/rescue", {"option": "email"}), 409, "no_email")
    assert error["message"] == "Your account has no email address. Ask the administrators for help instead."
    assert mail.outbox == [] and not RescueCodeDevice.objects.exists()


def test_the_mailed_rescue_code_greets_the_user_and_is_recorded_as_the_rescue_method():
    user = lost_user()
    response = pending_api(REMOTE_ADDR="198.51.100.7").post("/2fa/rescue", {"option": "email"})
    assert response.status_code == 200, response.content
    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.body.startswith("Hello alice,")
    assert "Your account rescue code is:" in message.body
    assert RescueCodeDevice.objects.get(user=user).name == "Rescue code by email"
    sent = only(user, Kind.RESCUE_CODE_SENT)
    assert sent.data == {"method": "rescue", "target": "a••••@example.com"}
    assert (sent.ip, sent.user_agent) == ("198.51.100.7", BROWSER)


def test_entering_a_code_never_asked_for_is_refused_word_for_word():
    lost_user()
    error = error_of(pending_api().post("/2fa/rescue", {"option": "email_code", "code": "123456"}), 409, "no_code_sent")
    assert error["message"] == "Ask for a rescue code first."


def test_signing_in_with_the_mailed_code_records_both_events_with_the_client():
    user = lost_user()
    api = pending_api(REMOTE_ADDR="198.51.100.7")
    api.post("/2fa/rescue", {"option": "email"})
    response = api.post("/2fa/rescue", {"option": "email_code", "code": last_emailed_code()})
    assert response.status_code == 200, response.content
    signed_in = only(user, Kind.SIGNED_IN)
    assert signed_in.data["method"] == "rescue" and signed_in.data["remembered"] is False
    assert (signed_in.ip, signed_in.user_agent) == ("198.51.100.7", BROWSER)
    session = only(user, Kind.RESCUE_SESSION)
    assert (session.ip, session.user_agent) == ("198.51.100.7", BROWSER)


# The caps


def test_the_rescue_cap_on_mailed_codes_says_so_in_minutes_and_logs_its_name(settings, caplog):
    settings.TWOFACTOR_RESCUE_LIMIT_PER_ACCOUNT_HOUR = 1
    settings.TWOFACTOR_COOLDOWN_SECONDS = 0
    user = lost_user()
    api = pending_api()
    assert api.post("/2fa/rescue", {"option": "email"}).status_code == 200
    caplog.set_level("INFO", logger="twofactor.challenge")
    response = api.post("/2fa/rescue", {"option": "email"})
    error = error_of(response, 429, "throttled")
    assert error["message"] == "Too many rescue attempts. Try again in 60 minutes."
    assert 3590 <= error["retry_after"] <= 3600 and response["Retry-After"] == str(error["retry_after"])
    assert f"Code not sent to user {user.pk}: hourly cap rescue (1) reached" in caplog.text
    assert len(mail.outbox) == 1


def test_the_rescue_cap_on_requests_says_so_with_retry_after(settings):
    settings.TWOFACTOR_RESCUE_LIMIT_PER_ACCOUNT_HOUR = 1
    lost_user()
    api = pending_api()
    assert api.post("/2fa/rescue", {"option": "help", "message": "one"}).status_code == 200
    response = api.post("/2fa/rescue", {"option": "help", "message": "two"})
    error = error_of(response, 429, "throttled")
    assert error["message"] == "Too many rescue attempts. Try again in 60 minutes."
    assert 3590 <= error["retry_after"] <= 3600 and response["Retry-After"] == str(error["retry_after"])


def test_too_many_attempts_counts_whole_minutes_rounded_up():
    one = _too_many_attempts(30)
    assert (one.code, one.message, one.status, one.retry_after) == (
        "throttled",
        "Too many rescue attempts. Try again in 1 minute.",
        429,
        30,
    )
    assert _too_many_attempts(61).message == "Too many rescue attempts. Try again in 2 minutes."
    assert _too_many_attempts(3600).message == "Too many rescue attempts. Try again in 60 minutes."


def test_each_client_address_has_its_own_budget_of_requests(settings):
    settings.TWOFACTOR_RESCUE_REQUESTS_PER_IP_HOUR = 1
    for username in ("alice", "bob"):
        lost_user(username)
    first = pending_api("alice", REMOTE_ADDR="198.51.100.7")
    second = pending_api("bob", REMOTE_ADDR="203.0.113.9")
    assert first.post("/2fa/rescue", {"option": "help", "message": "a"}).status_code == 200
    assert second.post("/2fa/rescue", {"option": "help", "message": "b"}).status_code == 200
    lost_user("carol")
    third = pending_api("carol", REMOTE_ADDR="198.51.100.7")
    error_of(third.post("/2fa/rescue", {"option": "help", "message": "c"}), 429, "throttled")


# The message


def test_the_message_must_be_text_word_for_word():
    error = refusal(lambda: clean_message(42))
    assert (error.code, str(error.message), error.fields, error.status) == (
        "invalid_message",
        "The message must be text.",
        {"message": "invalid"},
        400,
    )


def test_a_message_too_long_is_refused_with_its_length():
    error = refusal(lambda: clean_message("x" * 5001))
    assert (error.code, str(error.message), error.fields) == (
        "invalid_message",
        "Keep your message under 5000 characters (it has 5001).",
        {"message": "max_length"},
    )
    assert clean_message("  " + "x" * 5000 + "\x00 ") == "x" * 5000


def test_a_follow_up_is_appended_with_its_time_and_recorded_with_its_length():
    user = lost_user()
    api = pending_api(REMOTE_ADDR="198.51.100.7")
    api.post("/2fa/rescue", {"option": "help", "message": "  first  "})
    api.post("/2fa/rescue", {"option": "help", "message": "second one"})
    rescue = RescueRequest.objects.get(user=user)
    stamp = timezone.now().strftime("%Y-%m-%d %H:%M UTC")
    assert rescue.message == f"first\n\n--- {stamp} ---\nsecond one"
    assert (rescue.ip, rescue.user_agent) == ("198.51.100.7", BROWSER)
    first, second = SecurityEvent.objects.filter(user=user, kind=Kind.RESCUE_FILED).order_by("pk")
    assert first.data == {"rescue_request": rescue.pk, "added_to_open": False, "message_length": 5, "language": "en"}
    assert second.data == {"rescue_request": rescue.pk, "added_to_open": True, "message_length": 10, "language": "en"}


def test_a_stored_message_just_at_its_limit_is_kept_whole():
    user = lost_user()
    api = pending_api()
    api.post("/2fa/rescue", {"option": "help", "message": "start"})
    stamp = timezone.now().strftime("%Y-%m-%d %H:%M UTC")
    joint = f"\n\n--- {stamp} ---\n"
    existing = "e" * (RescueRequest.STORED_MAX_LENGTH - len(joint) - 100)
    RescueRequest.objects.filter(user=user).update(message=existing)
    api.post("/2fa/rescue", {"option": "help", "message": "m" * 100})
    stored = RescueRequest.objects.get(user=user).message
    assert stored == f"{existing}{joint}{'m' * 100}" and len(stored) == RescueRequest.STORED_MAX_LENGTH


def test_a_stored_message_over_its_limit_keeps_its_end_behind_the_marker():
    user = lost_user()
    api = pending_api()
    api.post("/2fa/rescue", {"option": "help", "message": "start"})
    stamp = timezone.now().strftime("%Y-%m-%d %H:%M UTC")
    joint = f"\n\n--- {stamp} ---\n"
    existing = "HEAD" + "e" * (RescueRequest.STORED_MAX_LENGTH - 4)
    RescueRequest.objects.filter(user=user).update(message=existing)
    api.post("/2fa/rescue", {"option": "help", "message": "the end"})
    stored = RescueRequest.objects.get(user=user).message
    combined = f"{existing}{joint}the end"
    assert len(stored) == RescueRequest.STORED_MAX_LENGTH
    assert stored == TRIMMED_MARKER + combined[-(RescueRequest.STORED_MAX_LENGTH - len(TRIMMED_MARKER)) :]
    assert stored.startswith("[…]\neee") and stored.endswith(f"{joint}the end")


# The rescue page's options


def options_for(rf, api, user):
    return flows.rescue_options(flow_request(rf, user, api.django.session))


def test_the_options_offer_a_code_by_email_to_a_masked_address(rf, settings):
    settings.TWOFACTOR_CODE_VALIDITY_SECONDS = 60
    user = lost_user()
    options = options_for(rf, pending_api(), user)
    assert (options.email, options.email_refused, options.masked_email) == (True, "", "a••••@example.com")
    assert (options.code_sent, options.code_valid_minutes, options.open_request) == (False, 1, None)
    settings.TWOFACTOR_CODE_VALIDITY_SECONDS = 61
    assert options_for(rf, pending_api(), user).code_valid_minutes == 2


def test_the_options_of_an_account_without_an_address_mask_nothing(rf):
    user = lost_user()
    user.email = ""
    user.save()
    options = options_for(rf, pending_api(), user)
    assert (options.email, options.email_refused, options.masked_email) == (False, "", "")


def test_turned_off_codes_by_email_give_staff_no_refusal_to_read(rf, settings):
    settings.TWOFACTOR_RESCUE_BY_EMAIL = False
    user = lost_user("boss", is_staff=True)
    options = options_for(rf, pending_api("boss"), user)
    assert (options.email, options.email_refused) == (False, "")
    settings.TWOFACTOR_RESCUE_BY_EMAIL = True
    options = options_for(rf, pending_api("boss"), user)
    assert (options.email, options.email_refused) == (False, STAFF_REFUSED)


def test_the_options_show_only_this_users_own_sent_code_and_open_request(rf):
    user = lost_user()
    other = lost_user("bob")
    pending_api("bob").post("/2fa/rescue", {"option": "email"})
    file_request("bob")
    assert RescueCodeDevice.objects.filter(user=other, confirmed=True).exists()
    options = options_for(rf, pending_api(), user)
    assert (options.code_sent, options.open_request) == (False, None)


def test_an_unconfirmed_or_handled_leftover_is_no_sent_code_nor_open_request(rf):
    user = lost_user()
    RescueCodeDevice.objects.create(
        user=user, name="Rescue code by email", confirmed=False, valid_until=timezone.now() + timedelta(minutes=5)
    )
    rescue = file_request()
    flows.deny_rescue_request(rescue, actor=None, note="no")
    api = pending_api()
    options = options_for(rf, api, user)
    assert (options.code_sent, options.open_request) == (False, None)
    api.post("/2fa/rescue", {"option": "email"})
    file_request()
    options = options_for(rf, api, user)
    assert options.code_sent is True and options.open_request == RescueRequest.objects.get(user=user, status="open")


# The staff's side


def test_denying_records_who_why_and_from_where(rf):
    user = lost_user()
    rescue = file_request()
    staff, session = verified_staff()
    mail.outbox = []
    request = flow_request(rf, staff, session, REMOTE_ADDR="192.0.2.4")
    note = "n" * 600
    flows.deny_rescue_request(rescue, actor=staff, request=request, note=note)
    rescue.refresh_from_db()
    assert (rescue.status, rescue.handled_by, rescue.staff_note) == ("denied", staff, note)
    handled = only(user, Kind.RESCUE_HANDLED)
    assert handled.data == {
        "rescue_request": rescue.pk,
        "status": "denied",
        "actor": staff.pk,
        "actor_name": "helper",
        "note": "n" * 500,
    }
    assert (handled.ip, handled.user_agent) == ("192.0.2.4", BROWSER)


def test_handling_from_the_shell_leaves_the_note_empty_and_names_no_actor():
    user = lost_user()
    rescue = file_request()
    flows.deny_rescue_request(rescue, actor=None)
    rescue.refresh_from_db()
    assert (rescue.status, rescue.handled_by, rescue.staff_note) == ("denied", None, "")
    assert only(user, Kind.RESCUE_HANDLED).data == {
        "rescue_request": rescue.pk,
        "status": "denied",
        "actor": None,
        "actor_name": "",
        "note": "",
    }
    second = file_request(message="again")
    flows.approve_rescue_request(second, actor=None)
    second.refresh_from_db()
    assert (second.status, second.staff_note) == ("approved", "")
    approved = SecurityEvent.objects.filter(user=user, kind=Kind.RESCUE_HANDLED, data__status="approved").get()
    assert approved.data["note"] == "" and approved.data["actor_name"] == ""


def test_a_handled_request_is_refused_word_for_word():
    lost_user()
    rescue = file_request()
    flows.approve_rescue_request(rescue, actor=None, note="ok")
    for handle in (flows.approve_rescue_request, flows.deny_rescue_request):
        error = refusal(lambda handle=handle: handle(rescue, actor=None, note="again"))
        assert (error.code, str(error.message), error.status) == (
            "already_handled",
            "This rescue request was already handled.",
            409,
        )


@pytest.mark.parametrize("action", ["approve", "deny", "reset"])
def test_staff_cannot_handle_their_own_rescue_and_the_refusal_names_the_action(rf, action):
    staff, session = verified_staff()
    rescue = file_request("helper")
    request = flow_request(rf, staff, session, REMOTE_ADDR="192.0.2.4")
    handle = {
        "approve": lambda: flows.approve_rescue_request(rescue, actor=staff, request=request, note="x"),
        "deny": lambda: flows.deny_rescue_request(rescue, actor=staff, request=request, note="x"),
        "reset": lambda: flows.reset_two_factor(staff, actor=staff, request=request, note="x"),
    }[action]
    assert refusal(handle).code == "outranked"
    refused = only(staff, Kind.STAFF_ACTION_REFUSED)
    assert (refused.data["action"], refused.data["reason"]) == (action, "self")
    assert (refused.ip, refused.user_agent) == ("192.0.2.4", BROWSER)
    assert RescueRequest.objects.get(pk=rescue.pk).status == "open"


def test_approving_without_a_fresh_second_step_changes_nothing(rf):
    user = lost_user()
    rescue = file_request()
    staff = make_user("helper", is_staff=True)
    add_totp(staff)
    desk = Client()
    sign_in(desk, "helper")  # the password only
    mail.outbox = []
    request = flow_request(rf, staff, desk.session)
    error = refusal(lambda: flows.approve_rescue_request(rescue, actor=staff, request=request, note="ok"))
    assert (error.code, error.status) == ("step_up_required", 401)
    assert RescueRequest.objects.get(pk=rescue.pk).status == "open"
    assert not SecurityEvent.objects.filter(user=user, kind=Kind.RESCUE_HANDLED).exists()
    assert mail.outbox == []


def test_a_reset_closes_only_this_users_open_request_with_its_actor_note_and_times(rf):
    user = lost_user()
    lost_user("bob")
    old = file_request()
    flows.deny_rescue_request(old, actor=None, note="earlier")
    rescue = file_request(message="again")
    others = file_request("bob")
    long_ago = timezone.now() - timedelta(days=3)
    RescueRequest.objects.update(updated_at=long_ago)
    staff, session = verified_staff()
    before = timezone.now()
    assert flows.reset_two_factor(user, actor=staff, request=flow_request(rf, staff, session), note="called") == 1
    rescue.refresh_from_db()
    assert (rescue.status, rescue.handled_by, rescue.staff_note) == ("approved", staff, "called")
    assert rescue.handled_at >= before and rescue.updated_at >= before
    old.refresh_from_db()
    assert (old.status, old.staff_note, old.handled_by) == ("denied", "earlier", None)
    assert RescueRequest.objects.get(pk=others.pk).status == "open"


def test_a_reset_from_the_shell_leaves_an_empty_note():
    user = lost_user()
    rescue = file_request()
    flows.reset_two_factor(user)
    rescue.refresh_from_db()
    assert (rescue.status, rescue.handled_by, rescue.staff_note) == ("approved", None, "")


def test_a_submission_that_lost_the_race_to_create_the_open_request_adds_to_it(monkeypatch):
    """Another submission created the open request between this one's look-up and its insert (the unique
    constraint refuses a second one): this message is added to that request, and recorded as added."""
    user = lost_user()
    api = pending_api()
    api.post("/2fa/rescue", {"option": "help", "message": "first"})
    real_first = QuerySet.first
    missed = []

    def first_missing_the_open_request(queryset):
        if queryset.model is RescueRequest and queryset.query.select_for_update and not missed:
            missed.append(True)
            return None
        return real_first(queryset)

    monkeypatch.setattr(QuerySet, "first", first_missing_the_open_request)
    assert api.post("/2fa/rescue", {"option": "help", "message": "second"}).status_code == 200
    assert missed
    [rescue] = RescueRequest.objects.filter(user=user)
    assert rescue.message.startswith("first\n\n--- ") and rescue.message.endswith(" ---\nsecond")
    latest = SecurityEvent.objects.filter(user=user, kind=Kind.RESCUE_FILED).latest("pk")
    assert latest.data["added_to_open"] is True
