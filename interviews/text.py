"""Showing bank text: inline code written between backticks (`==`, `__eq__`) as <code> on pages."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_INLINE_CODE = re.compile(r"`([^`\n]+)`")


def rich_text(text: str) -> SafeString:
    """`text` as safe HTML with backtick spans as <code>; escaped first, so <code> is the only markup."""
    return mark_safe(_INLINE_CODE.sub(r"<code>\1</code>", escape(text or "")))  # noqa: S308
