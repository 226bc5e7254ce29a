"""Settings for the test suite: techfin's own, with a fixed key and fast hashing."""

import os

os.environ.setdefault("TECHFIN_SECRET_KEY", "test-only-secret-key-0123456789abcdef")
os.environ.setdefault("TECHFIN_SECURE_COOKIES", "0")

from techfin.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
