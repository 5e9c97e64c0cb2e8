"""With DEBUG off, settings that would split counters between processes are system-check warnings, and settings that
would write codes to the log are errors."""

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
    "TWOFACTOR_WEBAUTHN_RP_ID": "example.com",
    "TWOFACTOR_WEBAUTHN_ORIGINS": ["https://example.com"],
}


def warnings(settings, **changes) -> set[str]:
    for name, value in {**PRODUCTION_READY, **changes}.items():
        setattr(settings, name, value)
    return {message.id for message in run_checks() if message.id.startswith(("twofactor.W", "twofa_site.W"))}


def test_a_production_configuration_has_no_warnings(settings):
    assert warnings(settings) == set()


def test_each_risky_setting_has_its_warning(settings):
    assert warnings(settings, TWOFACTOR_ENCRYPTION_KEYS=[]) == {"twofactor.W001"}
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
    return {message.id for message in run_checks() if message.is_serious()}


def test_links_in_mails_need_a_configured_origin_when_debug_is_off(settings):
    assert errors(settings, TWOFACTOR_SITE_URL="") == {"twofactor.E030"}
    assert errors(settings, TWOFACTOR_SITE_URL="https://example.com") == set()
    assert errors(settings, TWOFACTOR_SITE_URL="", DEBUG=True) == set()
    for wrong in ("example.com", "https://example.com/path", "http://example.com", "ftp://example.com"):
        assert errors(settings, TWOFACTOR_SITE_URL=wrong) == {"twofactor.E031"}, wrong
    assert errors(settings, TWOFACTOR_SITE_URL="http://localhost:8000") == set()
    # Behind a router that forwards only the site's own hosts (Heroku), links take the request's host on https.
    assert errors(settings, TWOFACTOR_SITE_URL="", TWOFACTOR_TRUST_HOST_HEADER=True) == set()


def test_codes_written_to_the_log_or_to_files_are_errors(settings):
    assert errors(settings) == set()
    for backend in ("console.EmailBackend", "filebased.EmailBackend"):
        assert errors(settings, EMAIL_BACKEND=f"django.core.mail.backends.{backend}") == {"twofactor.E010"}
    for backend in ("console", "file", "twofactor.sms.backends.console.SMSBackend"):
        assert errors(settings, TWOFACTOR_SMS_BACKEND=backend, TWOFACTOR_SMS_FILE_PATH="/tmp") == {"twofactor.E011"}


def test_texts_may_go_nowhere_when_the_sms_method_is_off(settings):
    from twofactor.app_settings import BUILTIN_METHODS

    without_sms = [path for path in BUILTIN_METHODS if ".sms." not in path]
    assert errors(settings, TWOFACTOR_SMS_BACKEND="console", TWOFACTOR_METHODS=without_sms) == set()


def test_development_may_write_codes_to_the_console(settings):
    console = "django.core.mail.backends.console.EmailBackend"
    assert errors(settings, DEBUG=True, EMAIL_BACKEND=console, TWOFACTOR_SMS_BACKEND="console") == set()


def test_behind_herokus_router_links_keep_the_requests_host_on_https_without_its_port(settings, rf):
    from twofactor.links import site_url

    settings.TWOFACTOR_SITE_URL = ""
    settings.ALLOWED_HOSTS = [".herokuapp.com"]
    request = rf.get("/", HTTP_HOST="app-0123456789ab.herokuapp.com:31337")
    assert site_url(request) == "http://app-0123456789ab.herokuapp.com:31337"  # development: the request's origin
    settings.TWOFACTOR_TRUST_HOST_HEADER = True
    assert site_url(request) == "https://app-0123456789ab.herokuapp.com"
