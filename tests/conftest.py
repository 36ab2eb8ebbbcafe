"""Project-wide test fixtures."""
import os

# Tests run with the development conveniences; production hardening is tested explicitly.
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")
