"""Personal information (个人信息) at rest and on the way out.

The one way any domain stores 身份证号, 手机号, 银行卡号 and the like:
- `protect(kind, value)` gives the SM4-GCM ciphertext to store and a keyed blind index (HMAC-SM3) that
  supports exact-match lookup without decrypting;
- `reveal(kind, blob)` decrypts, for code that holds an explicit grant;
- `mask(kind, value)` is what leaves the platform otherwise (3708**********123X, 138****5678).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shuzheng.security.crypto import sm4
from shuzheng.security.crypto.sm3 import hmac_sm3
from shuzheng.security.master import purpose_key


class PIKind(StrEnum):
    ID_NUMBER = "id_number"
    PHONE = "phone"
    BANK_CARD = "bank_card"
    NAME = "name"
    ADDRESS = "address"
    EMAIL = "email"


@dataclass(frozen=True)
class Protected:
    ciphertext: bytes
    blind_index: str


def normalise(kind: PIKind, value: str) -> str:
    """The canonical form the blind index is computed over, so lookups match however a value was typed."""
    text = value.strip()
    if kind in (PIKind.ID_NUMBER, PIKind.PHONE, PIKind.BANK_CARD):
        text = text.replace(" ", "").replace("-", "").upper()
    elif kind is PIKind.EMAIL:
        text = text.lower()
    return text


def _encryption_key() -> bytes:
    return purpose_key("pi-encryption", sm4.KEY_SIZE)


def blind_index(kind: PIKind, value: str) -> str:
    key = purpose_key("pi-blind-index")
    return hmac_sm3(key, f"{kind.value}\x00{normalise(kind, value)}".encode()).hex()


def encrypt(kind: PIKind, value: str) -> bytes:
    return sm4.seal(_encryption_key(), normalise(kind, value).encode(), aad=kind.value.encode())


def protect(kind: PIKind, value: str) -> Protected:
    return Protected(encrypt(kind, value), blind_index(kind, value))


def reveal(kind: PIKind, blob: bytes) -> str:
    """Decrypt. Raises sm4.DecryptionFailed if the stored value was altered."""
    return sm4.open_sealed(_encryption_key(), blob, aad=kind.value.encode()).decode()


def mask(kind: PIKind, value: str | None) -> str:
    if not value:
        return ""
    v = normalise(kind, value)
    if kind is PIKind.ID_NUMBER:
        return _keep(v, 4, 4)
    if kind is PIKind.PHONE:
        return _keep(v, 3, 4) if len(v) >= 11 else _keep(v, 2, 2)
    if kind is PIKind.BANK_CARD:
        return _keep(v, 6, 4)
    if kind is PIKind.NAME:
        return v[0] + "*" * (len(v) - 1) if len(v) > 1 else "*"
    if kind is PIKind.EMAIL:
        local, _, domain = v.partition("@")
        return (local[:1] + "***@" + domain) if domain else _keep(v, 1, 0)
    return _keep(v, 6, 0)  # address: keep the district, hide the street and number


def _keep(v: str, head: int, tail: int) -> str:
    if len(v) <= head + tail:
        return "*" * len(v)
    return v[:head] + "*" * (len(v) - head - tail) + (v[-tail:] if tail else "")


def reveal_masked(kind: PIKind, blob: bytes | None) -> str:
    """Decrypt and mask in one step: the default way to show a stored value."""
    return mask(kind, reveal(kind, blob)) if blob else ""
