"""Personal information (个人信息) at rest and on the way out.

The one way any domain stores 身份证号, 手机号, 银行卡号 and the like:
- `protect(kind, value)` gives the SM4-GCM ciphertext to store and a keyed blind index (HMAC-SM3) that
  supports exact-match lookup without decrypting;
- `reveal(kind, blob)` decrypts, for code that holds an explicit grant;
- `mask(kind, value)` is what leaves the platform otherwise (3708**********123X, 138****5678).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
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


def blind_indexes(kind: PIKind, values: Iterable[str]) -> list[str]:
    """`blind_index` of many values (an export's every 身份证号): the key is derived and set up once."""
    base = hmac.new(purpose_key("pi-blind-index"), None, "sm3")
    prefix = f"{kind.value}\x00"
    out = []
    for value in values:
        h = base.copy()
        h.update((prefix + normalise(kind, value)).encode())
        out.append(h.hexdigest())
    return out


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


# What str.strip() removes, so the SQL below trims exactly as normalise() does.
_WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def mask_sql(kind: PIKind, expr: str) -> str:
    """A DuckDB SQL expression equal to `mask(kind, expr)` (NULL and '' pass through unmasked), so a whole
    file can be masked inside one COPY instead of value by value in Python.

    DuckDB evaluates a repeated sub-expression each time it appears, so the value is trimmed and
    normalised once and bound with a one-element list_transform (a `let`); trimming Unicode whitespace
    is the costly step, so it runs only for values that start or end with some."""
    raw = f"CAST({expr} AS VARCHAR)"
    spaces = ", ".join(str(ord(c)) for c in _WHITESPACE)
    trimmed = (
        f"CASE WHEN unicode(r) IN ({spaces}) OR unicode(right(r, 1)) IN ({spaces}) "
        f"THEN trim(r, {_sql_literal(_WHITESPACE)}) ELSE r END"
    )
    if kind in (PIKind.ID_NUMBER, PIKind.PHONE, PIKind.BANK_CARD):
        normal = f"upper(replace(replace({trimmed}, ' ', ''), '-', ''))"
    elif kind is PIKind.EMAIL:
        normal = f"lower({trimmed})"
    else:
        normal = trimmed
    v = "v"
    if kind is PIKind.ID_NUMBER:
        masked = _keep_sql(v, 4, 4)
    elif kind is PIKind.PHONE:
        masked = f"CASE WHEN length({v}) >= 11 THEN {_keep_sql(v, 3, 4)} ELSE {_keep_sql(v, 2, 2)} END"
    elif kind is PIKind.BANK_CARD:
        masked = _keep_sql(v, 6, 4)
    elif kind is PIKind.NAME:
        masked = (
            f"CASE WHEN length({v}) > 1 THEN substr({v}, 1, 1) || repeat('*', length({v}) - 1) ELSE '*' END"
        )
    elif kind is PIKind.EMAIL:
        at = f"strpos({v}, '@')"
        masked = (
            f"CASE WHEN {at} > 0 AND length({v}) > {at} "
            f"THEN substr({v}, 1, least({at} - 1, 1)) || '***@' || substr({v}, {at} + 1) "
            f"ELSE {_keep_sql(v, 1, 0)} END"
        )
    else:
        masked = _keep_sql(v, 6, 0)
    bound = f"list_transform([list_transform([{raw}], lambda r: {normal})[1]], lambda v: {masked})[1]"
    return f"CASE WHEN {raw} IS NULL OR {raw} = '' THEN {raw} ELSE {bound} END"


def _keep_sql(v: str, head: int, tail: int) -> str:
    tail_sql = f" || right({v}, {tail})" if tail else ""
    return (
        f"CASE WHEN length({v}) <= {head + tail} THEN repeat('*', length({v})) "
        f"ELSE substr({v}, 1, {head}) || repeat('*', length({v}) - {head + tail}){tail_sql} END"
    )


def reveal_masked(kind: PIKind, blob: bytes | None) -> str:
    """Decrypt and mask in one step: the default way to show a stored value."""
    return mask(kind, reveal(kind, blob)) if blob else ""
