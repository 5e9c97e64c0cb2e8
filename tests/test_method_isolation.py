"""A method is spelled only in its own package: the rest of twofactor asks the registry.

Looks, outside twofactor/methods/<key>/, for a string literal equal to a built-in method's key, for the
name of a method's device model, and, in templates, for a quoted key or a method's own URL name.
"""

import ast
import re
from pathlib import Path

import twofactor

APP = Path(twofactor.__file__).parent
KEYS = ("totp", "sms", "email", "backup", "passkey")
DEVICE_MODELS = ("TOTPDevice", "SMSDevice", "EmailDevice", "BackupCodeDevice", "BackupCode", "PasskeyDevice")
METHOD_URL_NAMES = (
    "setup_totp",
    "setup_sms",
    "setup_email",
    "backup_codes",
    "setup_passkey",
    "verify_passkey",
    "passkey_sign_in",
)

#: Literals that are not the method of that name, with where they are and why.
OTHER_MEANINGS = {
    # The API's rescue option {"option": "email"} (the public interface) mails a code to the account's address;
    # it is not the email method.
    ("api/forms.py", "email"),
    ("api/views/signin.py", "email"),
    # The user as the API answers it: {"id", "username", "email"}; and the rescue option in its document.
    ("web/shapes.py", "email"),
    ("api/openapi/schemas.py", "email"),
}


def _outside_packages(pattern: str):
    for path in sorted(APP.rglob(pattern)):
        relative = path.relative_to(APP)
        parts = relative.parts
        if parts[0] == "migrations" or (parts[0] == "methods" and len(parts) > 2 and parts[1] in KEYS):
            continue
        if parts[:3] in {("templates", "twofactor", "methods")} and len(parts) > 4 and parts[3] in KEYS:
            continue
        yield relative, path


def test_no_module_outside_a_method_package_names_a_method():
    found = []
    for relative, path in _outside_packages("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            literal = isinstance(node, ast.Constant) and node.value in KEYS
            if literal and (relative.as_posix(), node.value) not in OTHER_MEANINGS:
                found.append(f"{relative}:{node.lineno} {node.value!r}")
            name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
            if name in DEVICE_MODELS:
                found.append(f"{relative}:{node.lineno} {name}")
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name in DEVICE_MODELS:
                        found.append(f"{relative}:{node.lineno} imports {alias.name}")
    assert found == []


def test_no_template_outside_a_method_folder_names_a_method():
    keys = "|".join(KEYS + METHOD_URL_NAMES)
    quoted = re.compile(rf"""["'](?:twofactor:)?({keys})["']""")
    found = [
        f"{relative}: {match.group(0)}"
        for relative, path in _outside_packages("*.html")
        for match in quoted.finditer(path.read_text())
    ]
    assert found == []


def test_the_checks_see_a_method_name_where_one_is_planted():
    """The scan itself works: a literal key in a module is found."""
    tree = ast.parse('method = "totp"')
    assert any(isinstance(node, ast.Constant) and node.value in KEYS for node in ast.walk(tree))


def test_the_test_only_method_is_not_named_in_the_app():
    """tests/hardware_token plugs in without a line of twofactor/ knowing it."""
    mentions = [
        str(path.relative_to(APP))
        for path in APP.rglob("*")
        if path.is_file()
        and path.suffix in {".py", ".html", ".txt"}
        and re.search(r"hotp\b|hardware_token|HardwareToken", path.read_text())
    ]
    assert mentions == []
