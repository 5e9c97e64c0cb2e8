"""Every environment variable the code reads is in the settings page's table of environment variables (docs/settings.md)."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READS = re.compile(r"""(?:env\.\w+|_read)\(\s*["']([A-Z][A-Z0-9_]+)["']""")
PLATFORM_NAMES = re.compile(r'"((?:RENDER|HEROKU)_[A-Z_]+)"')


def variables_read() -> set[str]:
    names = set()
    for path in [*ROOT.glob("twofa_site/*.py"), *ROOT.glob("twofactor/**/*.py"), *ROOT.glob("accounts/**/*.py")]:
        source = path.read_text()
        names |= set(READS.findall(source)) | set(PLATFORM_NAMES.findall(source))
        names |= set(re.findall(r"os\.environ(?:\.get)?\(\s*[\"']([A-Z][A-Z0-9_]+)", source))
        names |= set(re.findall(r"os\.environ\[[\"']([A-Z][A-Z0-9_]+)", source))
    return names - {"DJANGO_SETTINGS_MODULE"}


def settings_table() -> str:
    page = (ROOT / "docs" / "settings.md").read_text()
    return page.split("\n## The demo site's environment variables\n", 1)[1].split("\n## ", 1)[0]


def test_the_code_reads_the_variables_this_test_knows_of():
    assert {"SECRET_KEY", "DATABASE_URL", "DJANGO_LOG_LEVEL", "RENDER_EXTERNAL_HOSTNAME", "DYNO"} <= variables_read()


def test_every_variable_read_is_in_the_docs_table():
    table = settings_table()
    missing = sorted(name for name in variables_read() if f"`{name}`" not in table)
    assert not missing, missing


def site_only_variables() -> set[str]:
    """The environment variables only this site reads: not Django's settings, not the app's TWOFACTOR_* ones, not
    django-phonenumber-field's PHONENUMBER_DEFAULT_REGION (a setting every project has)."""
    from django.conf import global_settings

    return {
        name
        for name in variables_read()
        if not hasattr(global_settings, name) and not name.startswith(("TWOFACTOR_", "PHONENUMBER_"))
    }


def test_the_apps_messages_name_settings_not_this_sites_variables():
    """The app's sentences (check messages and hints, errors, docstrings) speak to every project: Django's and the
    app's settings, never the environment variables of this site (EMAIL_URL, REDIS_URL, SMS_BACKEND …), which the
    site's docs explain."""
    assert {"EMAIL_URL", "REDIS_URL", "SMS_BACKEND", "TWILIO_AUTH_TOKEN"} <= site_only_variables()
    named = re.compile(r"(?<![A-Z0-9_])(" + "|".join(sorted(site_only_variables())) + r")(?![A-Z0-9_])")
    found = sorted(
        f"{path.relative_to(ROOT)}:{node.lineno}: {match.group(1)}"
        for path in ROOT.glob("twofactor/**/*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value  # a sentence
        for match in named.finditer(node.value)
    )
    assert not found, found
