"""WSGI entry point (gunicorn twofa_site.wsgi)."""
import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twofa_site.settings")

try:
    application = get_wsgi_application()
except ImproperlyConfigured as error:
    # Stop the worker with one sentence naming the variable instead of a deep traceback.
    sys.exit(f"Configuration error: {error}")
