"""Settings for the test suite: the real settings with development defaults for the environment."""

import os

# Production hardening is tested explicitly (tests/test_deploy_settings.py); the suite runs like a dev machine.
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")

from interbot_site.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast factories
MEDIA_ROOT = BASE_DIR / "media" / "test"  # noqa: F405
