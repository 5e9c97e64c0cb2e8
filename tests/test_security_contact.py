"""TWOFACTOR_SECURITY_CONTACT: where users report a security problem, shown on their two-factor page when set."""

import pytest
from django.core.checks import run_checks

pytestmark = pytest.mark.django_db


def contact_paragraph(client) -> str:
    page = client.get("/2fa/").content.decode()
    start = page.find("<p data-security-contact>")
    return "" if start < 0 else page[start : page.index("</p>", start)]


def test_an_address_is_shown_as_a_mail_link_on_the_security_page(verified_client, settings):
    settings.TWOFACTOR_SECURITY_CONTACT = "security@example.com"
    paragraph = contact_paragraph(verified_client)
    assert "a security problem with this site" in paragraph
    assert '<a href="mailto:security@example.com">security@example.com</a>' in paragraph


def test_a_page_is_shown_as_a_link(verified_client, settings):
    settings.TWOFACTOR_SECURITY_CONTACT = "https://example.com/security?from=2fa&lang=en"
    paragraph = contact_paragraph(verified_client)
    assert '<a href="https://example.com/security?from=2fa&amp;lang=en">' in paragraph


def test_nothing_is_shown_without_a_contact(verified_client, settings):
    settings.TWOFACTOR_SECURITY_CONTACT = ""
    page = verified_client.get("/2fa/").content.decode()
    assert page.count("Recent security activity") == 1 and "data-security-contact" not in page


def test_the_paragraph_is_translated(verified_client, settings):
    settings.TWOFACTOR_SECURITY_CONTACT = "security@example.com"
    verified_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    paragraph = contact_paragraph(verified_client)
    assert "mailto:security@example.com" in paragraph and "security problem" not in paragraph


@pytest.mark.parametrize("value", ["nobody", "http://example.com/security", "javascript:alert(1)", "security@"])
def test_a_contact_that_is_neither_an_address_nor_an_https_page_stops_start_up(settings, value):
    settings.TWOFACTOR_SECURITY_CONTACT = value
    (error,) = [message for message in run_checks() if message.id == "twofactor.E040"]
    assert "TWOFACTOR_SECURITY_CONTACT" in error.msg and "https://" in error.hint


@pytest.mark.parametrize("value", ["", "security@example.com", "mailto:security@example.com", "https://example.com/s"])
def test_an_address_or_an_https_page_passes_the_check(settings, value):
    settings.TWOFACTOR_SECURITY_CONTACT = value
    assert not [message for message in run_checks() if message.id == "twofactor.E040"]
