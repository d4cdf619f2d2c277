"""Random identifiers and tokens."""

from __future__ import annotations

import secrets


def token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)
