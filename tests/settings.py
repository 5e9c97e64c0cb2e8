"""The test settings: the project's, plus a third-party method that lives only under tests/ (hardware_token)."""

from twofa_site.settings import *
from twofa_site.settings import INSTALLED_APPS
from twofactor.app_settings import BUILTIN_METHODS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.hardware_token"]
TWOFACTOR_METHODS = [*BUILTIN_METHODS, "tests.hardware_token.method.HardwareTokenMethod"]
