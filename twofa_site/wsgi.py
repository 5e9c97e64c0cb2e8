"""WSGI entry point (gunicorn twofa_site.wsgi)."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twofa_site.settings")

#: gunicorn's "application could not be loaded" exit status: the arbiter halts instead of rebooting workers forever.
APP_LOAD_ERROR = 4

try:
    application = get_wsgi_application()
except ImproperlyConfigured as error:
    # Stop with one sentence naming the variable instead of a deep traceback.
    print(f"Configuration error: {error}", file=sys.stderr, flush=True)
    sys.exit(APP_LOAD_ERROR)
