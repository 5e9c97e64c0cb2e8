"""Every string a user can meet is translated into each shipped language, and the committed .mo files match the .po.

makemessages runs on a copy of the source (so the repository is left as it is); any string it finds without a
translation, or with only a fuzzy guess, fails the test with the catalog and the string.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.utils import translation

from tests.support.users import make_user, sign_in
from twofactor import sms

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import messages  # noqa: E402  (scripts/messages.py)

COPIED = ["accounts", "twofactor", "twofa_site", "templates", "locale", "manage.py"]


def _needs_gettext():
    if shutil.which("xgettext") and shutil.which("msgattrib") and shutil.which("msgfmt"):
        return
    message = "GNU gettext is missing: apt-get install gettext (the translation checks need it)."
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory) -> Path:
    _needs_gettext()
    copy = tmp_path_factory.mktemp("source")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        else:
            shutil.copy2(source, copy / name)
    return copy


def test_the_shipped_languages_are_the_sites_languages():
    assert [code for code, _name in settings.LANGUAGES] == ["en", *messages.LANGUAGES]


def test_makemessages_finds_no_string_without_a_translation(source_copy):
    messages.update(source_copy)
    missing = messages.untranslated(source_copy)
    assert missing == [], (
        "Translate these (python3 scripts/messages.py update, then edit the .po files):\n" + "\n".join(missing)
    )


def test_the_committed_mo_files_are_compiled_from_the_po_files(source_copy, tmp_path):
    stale = []
    for catalog in messages.CATALOGS:
        for language in messages.LANGUAGES:
            folder = ROOT / catalog / language / "LC_MESSAGES"
            fresh = tmp_path / f"{catalog.replace('/', '_')}_{language}.mo"
            subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(folder / "django.po")], check=True)
            if not (folder / "django.mo").exists() or fresh.read_bytes() != (folder / "django.mo").read_bytes():
                stale.append(str(folder.relative_to(ROOT)))
    assert stale == [], "Run python3 scripts/messages.py compile and commit the .mo files."


# The translations in use


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading", "button"),
    [("fr", "Se connecter", "Continuer"), ("de", "Anmelden", "Weiter"), ("es", "Iniciar sesión", "Continuar")],
)
def test_pages_follow_the_browsers_language(client, language, heading, button):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=f"{language},en;q=0.5").content.decode()
    assert f'<html lang="{language}">' in page
    assert f"<h1>{heading}</h1>" in page and button in page


@pytest.mark.django_db
def test_the_language_switcher_keeps_the_choice(client):
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/accounts/login/"})
    assert response.status_code == 302 and response.url == "/accounts/login/"
    assert "<h1>Anmelden</h1>" in client.get("/accounts/login/").content.decode()


@pytest.mark.django_db
def test_codes_are_mailed_and_texted_in_the_users_language(client):
    from twofactor.methods.email.models import EmailDevice
    from twofactor.methods.sms.models import SMSDevice

    user = make_user()
    EmailDevice.objects.create(user=user, name="Code by email", email=user.email, confirmed=True)
    SMSDevice.objects.create(user=user, name="Code by text message", phone_number="+14155550123", confirmed=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    sign_in(client)
    page = client.get("/2fa/verify/").content.decode()  # the text message, offered first, goes out
    assert "Nous avons envoyé un code à 6 chiffres" in page
    [text] = sms.outbox
    assert "est votre code de connexion" in text.body
    client.post("/2fa/verify/", {"action": "use", "method": "email"})
    client.get("/2fa/verify/")
    [message] = mail.outbox
    assert message.subject.startswith("Votre code de connexion")
    assert "Votre code de connexion est" in message.body


@override_settings(LANGUAGE_CODE="en")
def test_plural_forms_of_each_language():
    from twofactor.errors import throttled

    expected = {
        "fr": ("dans 1 seconde.", "dans 2 secondes."),
        "de": ("in 1 Sekunde erneut.", "in 2 Sekunden erneut."),
        "es": ("en 1 segundo.", "en 2 segundos."),
    }
    for language, (one, two) in expected.items():
        with translation.override(language):
            assert throttled(1).message.endswith(one)
            assert throttled(2).message.endswith(two)


@pytest.mark.django_db
@override_settings(TWOFACTOR_WEBAUTHN_PASSWORDLESS=True)
def test_the_passkey_script_speaks_the_pages_language(client):
    # passkey.js takes what it says from the form's data-text-* attributes, translated by the template.
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'data-text-unsupported="Dieser Browser unterstützt keine Passkeys."' in page
    assert 'data-text-cancelled="Die Passkey-Anfrage wurde abgebrochen oder ist abgelaufen."' in page


@pytest.mark.django_db
def test_a_staff_reset_mails_the_user_in_the_users_language(client, totp_user):
    from twofactor import flows

    user, _device, totp = totp_user
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    sign_in(client)
    assert client.post("/2fa/verify/", {"code": totp.now()}).status_code == 302  # a sign-in in French
    mail.outbox.clear()
    with translation.override("de"):  # the staff member's language is not the user's
        flows.reset_two_factor(user, note="Lost phone")
    [message] = mail.outbox
    assert message.subject.startswith("La double authentification de votre compte")


@pytest.mark.django_db
def test_without_a_known_language_a_staff_reset_mails_in_the_sites_language():
    from twofactor import flows

    user = make_user()
    with translation.override("de"):
        flows.reset_two_factor(user, note="Lost phone")
    [message] = mail.outbox
    assert message.subject.startswith("Two-factor authentication was reset")
