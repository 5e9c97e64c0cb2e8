"""Loaded by pytest (-p) before Django's settings are read: test defaults for required variables."""

import os

os.environ.setdefault("TESTING", "1")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
