"""SM4 (GB/T 32907) authenticated encryption: SM4-GCM through OpenSSL via `cryptography`.

Sealed format: version byte | key id (1 byte) | 12-byte nonce | ciphertext | 16-byte tag.
The key id lets old ciphertext stay readable after a key rotation.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

FORMAT_VERSION = 1
KEY_SIZE = 16
NONCE_SIZE = 12
TAG_SIZE = 16


class DecryptionFailed(Exception):
    """The ciphertext was altered, truncated, or sealed under another key."""


def encrypt(
    key: bytes, plaintext: bytes, *, aad: bytes = b"", nonce: bytes | None = None
) -> tuple[bytes, bytes, bytes]:
    """Return (nonce, ciphertext, tag)."""
    nonce = nonce or os.urandom(NONCE_SIZE)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    ct = enc.update(plaintext) + enc.finalize()
    return nonce, ct, enc.tag


def decrypt(key: bytes, nonce: bytes, ciphertext: bytes, tag: bytes, *, aad: bytes = b"") -> bytes:
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(aad)
    try:
        return dec.update(ciphertext) + dec.finalize()
    except InvalidTag as exc:
        raise DecryptionFailed("SM4-GCM 认证失败：密文被篡改或密钥不符") from exc


def seal(key: bytes, plaintext: bytes, *, key_id: int = 1, aad: bytes = b"") -> bytes:
    header = bytes([FORMAT_VERSION, key_id])
    nonce, ct, tag = encrypt(key, plaintext, aad=header + aad)
    return header + nonce + ct + tag


def sealed_key_id(blob: bytes) -> int:
    if len(blob) < 2 + NONCE_SIZE + TAG_SIZE or blob[0] != FORMAT_VERSION:
        raise DecryptionFailed("密文格式不正确")
    return blob[1]


def open_sealed(key: bytes, blob: bytes, *, aad: bytes = b"") -> bytes:
    sealed_key_id(blob)
    header, nonce = blob[:2], blob[2 : 2 + NONCE_SIZE]
    ct, tag = blob[2 + NONCE_SIZE : -TAG_SIZE], blob[-TAG_SIZE:]
    return decrypt(key, nonce, ct, tag, aad=header + aad)
