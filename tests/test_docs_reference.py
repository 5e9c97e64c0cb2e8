"""The docs cannot drift from the code: the settings page and the API reference are generated from it
(docs/_ext/), and what the pages claim about settings, commands and addresses is checked against the code."""

import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import get_commands
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import api_reference  # noqa: E402  (docs/_ext is not a package)
import settings_reference  # noqa: E402

PAGES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md", ROOT / "SECURITY.md"]
SETTING = re.compile(r"TWOFACTOR_[A-Z0-9_]*[A-Z0-9]\b|TWOFACTOR_[A-Z0-9_]+_(?=\*)")


def documented() -> dict[str, str]:
    return {setting.name: setting.description for setting in settings_reference.app_settings()}


def settings_named_in(paths) -> dict[str, str]:
    """Every TWOFACTOR_* name the files spell (a name ending in "_" is a prefix: "TWOFACTOR_TWILIO_*")."""
    found = {}
    for path in paths:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for name in SETTING.findall(line):
                found.setdefault(name, f"{path.relative_to(ROOT)}:{number}")
    return found


def settings_read_by_the_app() -> dict[str, str]:
    """What the app's code reads: each name it spells, and each `app_settings.NAME` it asks for."""
    code = sorted(ROOT.glob("twofactor/**/*.py"))
    found = settings_named_in(code)
    for path in code:
        for name in re.findall(r"\b[a-z]+_settings\.([A-Z][A-Z0-9_]+)", path.read_text()):
            found.setdefault(f"TWOFACTOR_{name}", str(path.relative_to(ROOT)))
    return found


def undocumented(names: dict[str, str], settings: dict[str, str]) -> list[str]:
    """Names without a documented setting (a prefix needs at least one setting it begins)."""
    missing = []
    for name, where in names.items():
        known = any(setting.startswith(name) for setting in settings) if name.endswith("_") else name in settings
        if not known or (not name.endswith("_") and not settings[name].strip()):
            missing.append(f"{name} ({where})")
    return sorted(missing)


def test_every_setting_has_a_description():
    settings = documented()
    assert len(settings) > 40 and "TWOFACTOR_REQUIRED" in settings
    assert [name for name, description in settings.items() if len(description) < 15] == []


def test_every_setting_the_app_reads_is_documented():
    assert undocumented(settings_read_by_the_app(), documented()) == []


def test_every_setting_the_site_sets_or_the_docs_name_exists():
    assert undocumented(settings_named_in([ROOT / "twofa_site" / "settings.py", *PAGES]), documented()) == []


def test_a_setting_without_a_description_or_unknown_to_the_settings_object_is_caught():
    settings = {**documented(), "TWOFACTOR_NEW_THING": ""}
    assert undocumented({"TWOFACTOR_NEW_THING": "a.py:1", "TWOFACTOR_UNHEARD_OF": "b.py:2"}, settings) == [
        "TWOFACTOR_NEW_THING (a.py:1)",
        "TWOFACTOR_UNHEARD_OF (b.py:2)",
    ]
    assert undocumented({"TWOFACTOR_TWILIO_": "c.py:3"}, settings) == []
    assert undocumented({"TWOFACTOR_NOPE_": "c.py:3"}, settings) == ["TWOFACTOR_NOPE_ (c.py:3)"]


def test_a_property_that_reads_another_setting_than_its_name_is_refused():
    class Mixed:
        def _get(self, name, default):
            return default

        @property
        def ONE(self):
            """Reads TWO by mistake."""
            return self._get("TWO", 1)

    with pytest.raises(LookupError, match="Mixed.ONE reads TWOFACTOR_TWO"):
        settings_reference.settings_of(Mixed, SimpleNamespace(settings=None))


def test_the_settings_page_is_made_from_the_settings_object():
    page = (ROOT / "docs" / "settings.md").read_text()
    assert "```{twofactor-settings}\n```" in page
    generated = settings_reference.markdown(settings_reference.app_settings())
    for name, description in documented().items():
        assert f"`{name}`\n: {description}" in generated


def test_defaults_are_shown_as_the_code_defines_them():
    by_name = {setting.name: setting for setting in settings_reference.app_settings()}
    assert settings_reference.default_text(by_name["TWOFACTOR_REQUIRED"].default) == '`"all"`'
    assert settings_reference.default_text(by_name["TWOFACTOR_REMEMBER_DAYS"].default) == "`30`"
    assert settings_reference.default_text(by_name["TWOFACTOR_LOGIN_URL"].default) == "Django's `LOGIN_URL`"
    assert settings_reference.default_text(by_name["TWOFACTOR_SECURITY_CONTACT"].default) == "empty"


def test_the_api_reference_describes_every_operation_and_schema():
    from twofactor.api.openapi import document

    spec = document("/api/v1")
    page = api_reference.markdown(spec)
    index = api_reference.index_markdown(spec)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert f"### `{method.upper()} /api/v1{path}`" in page
            assert f"({api_reference.label('op', operation['operationId'])})=" in page
            assert f"{{ref}}`{method.upper()} /api/v1{path} <" in index
            for name in (
                operation.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
                .get("properties", {})
            ):
                assert f"| `{name}` |" in page
    for name in spec["components"]["schemas"]:
        assert f"### {name}\n" in page
    assert "```{twofactor-api}\n```" in (ROOT / "docs" / "api-reference.md").read_text()


def test_every_command_the_docs_name_exists_and_every_app_command_is_documented():
    commands = get_commands()
    named = {name for path in PAGES for name in re.findall(r"manage\.py ([a-z_]+)", path.read_text())}
    assert "twofactor_reset" in named
    assert sorted(named - set(commands)) == []
    operations = (ROOT / "docs" / "operations.md").read_text()
    app_commands = {name for name, app in commands.items() if app == "twofactor"}
    assert sorted(name for name in app_commands if f"`manage.py {name}" not in operations) == []


def _exists(address: str) -> bool:
    try:
        return resolve(address).url_name != "not_found"  # the API's catch-all answers 404 to unknown addresses
    except Resolver404:
        return False


def test_every_address_the_docs_give_exists():
    """Pages (/2fa/…, /accounts/…, /admin/) and API endpoints (/api/v1/…; the API pages also write them relative,
    /2fa/verify): placeholders ({id}, <n>) stand for any value, an optional part [/…] is tried both ways."""
    addresses = {
        address: f"{path.relative_to(ROOT)}"
        for path in PAGES
        for address in re.findall(
            r"`(?:(?:GET|POST|DELETE) )?(/(?:2fa|accounts|admin|api/v1)/[^`\s]*)`", path.read_text()
        )
    }
    assert {"/2fa/setup/passkey/", "/2fa/rescue/", "/api/v1/session", "/2fa/devices/{id}"} <= set(addresses)
    missing = []
    for address, where in addresses.items():
        if "…" in address or address == "/api/v1/":  # an elision, or the API's mount point
            continue
        concrete = re.sub(r"\{[a-z_]+\}|<[a-z_]+>", "1", address).split("?")[0]
        variants = {re.sub(r"\[(.*?)\]", r"\1", concrete), re.sub(r"\[.*?\]", "", concrete)}
        for variant in variants:
            candidates = [variant] if variant.startswith("/api/v1/") else [variant, "/api/v1" + variant]
            if not any(_exists(candidate) for candidate in candidates):
                missing.append(f"{address} ({where})")
    assert missing == []


def test_a_stale_address_is_caught():
    assert _exists("/2fa/setup/passkey/") and _exists("/api/v1/2fa/devices/1")
    assert not _exists("/2fa/setup/carrier-pigeon/") and not _exists("/api/v1/2fa/carrier-pigeon")


def test_no_page_names_an_internal_issue_number():
    """Readers of the docs, SECURITY.md and the package page cannot see the project's tracker: say what changed."""
    pages = [*PAGES, ROOT / "twofactor" / "README.md"]
    named = re.compile(r"\bissues?\s*#?\d+|(?<!\w)#\d{1,5}\b", re.IGNORECASE)  # not a 6-digit code: #123456
    found = [
        f"{path.relative_to(ROOT)}:{number}: {match.group(0)}"
        for path in pages
        for number, line in enumerate(path.read_text().splitlines(), 1)
        for match in named.finditer(line)
    ]
    assert found == []


def test_the_readme_opens_with_the_two_commands_and_ci_runs_the_second():
    """The interface: the README's first lines give exactly two commands, one runs the site, one the whole suite."""
    readme = (ROOT / "README.md").read_text().splitlines()
    assert readme[1:2] == [""] and readme[2] == "```sh" and readme[5] == "```", readme[:6]
    commands = [line.split("#")[0].strip() for line in readme[3:5]]
    assert commands == ["python3 scripts/dev.py run", "python3 scripts/dev.py test"]
    assert "python3 scripts/dev.py test\n" in (ROOT / ".ci" / "run").read_text()


def test_every_link_of_the_readme_leads_to_a_file():
    """The README is read on the repository's page, outside Sphinx (which checks the docs' own links)."""
    readme = (ROOT / "README.md").read_text()
    targets = [target for target in re.findall(r"\]\(([^)\s]+)\)", readme) if "://" not in target]
    assert "docs/settings.md" in targets and "SECURITY.md" in targets
    assert [target for target in targets if not (ROOT / target.split("#")[0]).exists()] == []


def _tests_and_test_modules() -> set[str]:
    names = set()
    for path in ROOT.glob("tests/**/*.py"):
        names.add(path.stem)
        names |= set(re.findall(r"def (test_\w+)", path.read_text()))
    return names


def test_every_test_the_pages_name_exists():
    """SECURITY.md names, for each attack, the test that stops it; the pages name tests and test modules too."""
    known = _tests_and_test_modules()
    named = {
        name: path.relative_to(ROOT)
        for path in PAGES
        for name in re.findall(r"\b(test_[a-z0-9_]*[a-z0-9])\b(?!<)", path.read_text())
    }
    assert len([name for name, path in named.items() if str(path) == "SECURITY.md"]) > 20
    assert sorted(f"{name} ({path})" for name, path in named.items() if name not in known) == []


def test_every_file_the_pages_name_exists():
    """A path in backticks is a file of the repository, or a template the app's loader finds."""
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    missing = []
    for path in PAGES:
        pattern = r"`((?:twofactor|twofa_site|accounts|tests|scripts|bench|docs|templates)/[\w./-]+)`"
        for name in sorted(set(re.findall(pattern, path.read_text()))):
            if (ROOT / name).exists():
                continue
            try:
                get_template(name)
            except TemplateDoesNotExist:
                missing.append(f"{name} ({path.relative_to(ROOT)})")
    assert missing == []
