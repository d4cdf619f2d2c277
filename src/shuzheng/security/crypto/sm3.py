"""SM3 (GB/T 32905) and HMAC-SM3, through OpenSSL via hashlib."""

from __future__ import annotations

import hashlib
import hmac

DIGEST_SIZE = 32


def sm3(data: bytes) -> bytes:
    return hashlib.new("sm3", data).digest()


def sm3_hex(data: bytes) -> str:
    return hashlib.new("sm3", data).hexdigest()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, "sm3").digest()


def derive_key(master: bytes, label: str, length: int = 32) -> bytes:
    """Derive an independent sub-key for one purpose (HKDF-expand style with HMAC-SM3)."""
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac_sm3(master, block + label.encode() + bytes([counter]))
        out += block
        counter += 1
    return out[:length]
