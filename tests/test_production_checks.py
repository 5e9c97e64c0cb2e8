"""With DEBUG off, settings that would leak codes or split counters between processes are system-check warnings."""

from django.core.checks import run_checks

PRODUCTION_READY = {
    "DEBUG": False,
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "TWOFACTOR_SMS_BACKEND": "locmem",
    "TWOFACTOR_ENCRYPTION_KEYS": ["a-separate-random-key"],
    "TWOFACTOR_RATE_LIMIT_STORE": "database",
    "TWOFACTOR_SITE_URL": "https://twofa.example.com",
    "WEB_CONCURRENCY": 4,
    "REDIS_URL": "redis://127.0.0.1:6379/15",
}


def warnings(settings, **changes) -> set[str]:
    for name, value in {**PRODUCTION_READY, **changes}.items():
        setattr(settings, name, value)
    return {message.id for message in run_checks() if message.id.startswith(("twofactor.W", "twofa_site.W"))}


def test_a_production_configuration_has_no_warnings(settings):
    assert warnings(settings) == set()


def test_each_risky_setting_has_its_warning(settings):
    assert warnings(settings, TWOFACTOR_ENCRYPTION_KEYS=[]) == {"twofactor.W001"}
    assert warnings(settings, EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend") == {"twofactor.W002"}
    assert warnings(settings, TWOFACTOR_SMS_BACKEND="console") == {"twofactor.W003"}
    assert warnings(settings, TWOFACTOR_SMS_BACKEND="twofactor.sms.backends.console.SMSBackend") == {"twofactor.W003"}
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert warnings(settings, TWOFACTOR_RATE_LIMIT_STORE="cache", CACHES=local) == {"twofactor.W004"}
    assert warnings(settings, REDIS_URL="") == {"twofa_site.W001"}
    assert warnings(settings, REDIS_URL="", WEB_CONCURRENCY=1) == set()


def test_development_has_none_of_them(settings):
    assert (
        warnings(
            settings,
            DEBUG=True,
            TWOFACTOR_ENCRYPTION_KEYS=[],
            TWOFACTOR_SMS_BACKEND="console",
            EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
            REDIS_URL="",
        )
        == set()
    )


def errors(settings, **changes) -> set[str]:
    for name, value in {**PRODUCTION_READY, **changes}.items():
        setattr(settings, name, value)
    return {message.id for message in run_checks() if message.id in ("twofactor.E030", "twofactor.E031")}


def test_links_in_mails_need_a_configured_origin_when_debug_is_off(settings):
    assert errors(settings, TWOFACTOR_SITE_URL="") == {"twofactor.E030"}
    assert errors(settings, TWOFACTOR_SITE_URL="https://example.com") == set()
    assert errors(settings, TWOFACTOR_SITE_URL="", DEBUG=True) == set()
    for wrong in ("example.com", "https://example.com/path", "http://example.com", "ftp://example.com"):
        assert errors(settings, TWOFACTOR_SITE_URL=wrong) == {"twofactor.E031"}, wrong
    assert errors(settings, TWOFACTOR_SITE_URL="http://localhost:8000") == set()
