"""SM2 (GB/T 32918) signatures with SM3 and a signer ID, through GmSSL via gmssl-pyx.

Formats, chosen to be what OpenSSL 3 and GmSSL read and write:
- private key: 32 bytes, big-endian scalar d with 1 <= d <= n-2;
- public key: 65 bytes, uncompressed point 04 || x || y;
- signature: DER SEQUENCE { r INTEGER, s INTEGER };
- PEM: SubjectPublicKeyInfo and PKCS#8 with id-ecPublicKey and the SM2 curve OID 1.2.156.10197.1.301.

The message is hashed as e = SM3(Z || M) with Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA)
(GB/T 32918.2 §5.5); the default ID is the standard's 1234567812345678, the same as
`openssl pkeyutl -pkeyopt distid:1234567812345678`. Z and e are computed here with hashlib's SM3 and
only e goes to GmSSL, because gmssl-pyx's one-shot `sm2_sign` redoes GmSSL's per-key precomputation
on every call and is about ten times slower. Measurements and the library choice: docs/crypto.md.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field

import gmssl_pyx
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from shuzheng.security.crypto.sm3 import sm3

DEFAULT_SIGNER_ID = b"1234567812345678"
PRIVATE_KEY_SIZE = 32
PUBLIC_KEY_SIZE = 65
MAX_SIGNER_ID_SIZE = 8191  # ENTL is the ID's length in bits, in two bytes

# The recommended curve of GB/T 32918.5: y² = x³ + ax + b over F_p, base point G of order n.
P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

_OID_EC_PUBLIC_KEY = bytes.fromhex("2a8648ce3d0201")  # 1.2.840.10045.2.1
_OID_SM2_CURVE = bytes.fromhex("2a811ccf5501822d")  # 1.2.156.10197.1.301
_SEQUENCE, _INTEGER, _BIT_STRING, _OCTET_STRING, _OID = 0x30, 0x02, 0x03, 0x04, 0x06
_CTX0, _CTX1 = 0xA0, 0xA1  # ECPrivateKey's [0] parameters and [1] publicKey
_SEC1_LABELS = ("SM2 PRIVATE KEY", "EC PRIVATE KEY")

_CURVE_PREFIX = b"".join(n.to_bytes(32, "big") for n in (A, B, GX, GY))
_PUBLIC_CACHE_SIZE = 64
_public_cache: dict[bytes, bytes] = {}


class InvalidKey(ValueError):
    """A key is malformed, not on the SM2 curve, or not an SM2 key."""


@dataclass(frozen=True)
class KeyPair:
    private_key: bytes = field(repr=False)  # never shown in logs or tracebacks
    public_key: bytes


def generate_keypair() -> KeyPair:
    public64, private_key = gmssl_pyx.sm2_key_generate()
    public_key = b"\x04" + public64
    _remember_public(private_key, public_key)
    return KeyPair(private_key=private_key, public_key=public_key)


# --- signing ---------------------------------------------------------------------------------------


def sign(private_key: bytes, message: bytes, *, signer_id: bytes = DEFAULT_SIGNER_ID) -> bytes:
    """Return a DER signature of `message`; a verifier must use the same `signer_id`."""
    public_key = public_key_from_private(private_key)
    digest = signed_digest(public_key, message, signer_id=signer_id)
    return gmssl_pyx.sm2_sign_sm3_digest(private_key, digest)


def verify(
    public_key: bytes, message: bytes, signature: bytes, *, signer_id: bytes = DEFAULT_SIGNER_ID
) -> bool:
    """True only for a valid signature; any malformed key, ID or DER is simply False, never an error.

    GmSSL writes a short trace to stderr when a well-formed signature does not verify; that is noise.
    """
    try:
        _check_public_key(public_key)
        _check_signature(signature)
        digest = signed_digest(public_key, message, signer_id=signer_id)
        return bool(gmssl_pyx.sm2_verify_sm3_digest(public_key[1:], digest, signature))
    except (ValueError, TypeError, gmssl_pyx.GmsslInnerError):
        return False


def signed_digest(public_key: bytes, message: bytes, *, signer_id: bytes = DEFAULT_SIGNER_ID) -> bytes:
    """e = SM3(Z || M), the value SM2 actually signs (GB/T 32918.2 §6.1 steps A1–A2)."""
    h = hashlib.new("sm3", _z_value(public_key, signer_id))
    h.update(message)
    return h.digest()


def _z_value(public_key: bytes, signer_id: bytes) -> bytes:
    if len(signer_id) > MAX_SIGNER_ID_SIZE:
        raise ValueError("SM2 签名者标识过长（最多 8191 字节）")
    entl = (len(signer_id) * 8).to_bytes(2, "big")
    return sm3(entl + signer_id + _CURVE_PREFIX + public_key[1:])


def _check_signature(signature: bytes) -> None:
    """Accept only canonical DER with 1 <= r, s < n, so one signature has exactly one encoding."""
    r, s = decode_dss_signature(signature)
    if not (0 < r < N and 0 < s < N) or encode_dss_signature(r, s) != signature:
        raise ValueError("SM2 签名编码不正确")


# --- keys ------------------------------------------------------------------------------------------


def public_key_from_private(private_key: bytes) -> bytes:
    """Derive 04 || x || y = d·G (Z needs the signer's public key, and gmssl-pyx cannot derive it).

    The point multiplication is pure Python: 2–3 ms, several signatures' worth, and not constant
    time. So it runs once per key: results are cached by SM3 of the private key (the key itself is
    not kept), and generate_keypair() fills the cache from GmSSL's own result.
    """
    d = _private_scalar(private_key)
    tag = sm3(private_key)
    public_key = _public_cache.get(tag)
    if public_key is None:
        public_key = _encode_point(_multiply_base(d))
        _remember_public(private_key, public_key)
    return public_key


def _remember_public(private_key: bytes, public_key: bytes) -> None:
    if len(_public_cache) >= _PUBLIC_CACHE_SIZE:
        _public_cache.clear()
    _public_cache[sm3(private_key)] = public_key


def _private_scalar(private_key: bytes) -> int:
    if not isinstance(private_key, bytes) or len(private_key) != PRIVATE_KEY_SIZE:
        raise InvalidKey("SM2 私钥必须是 32 字节")
    d = int.from_bytes(private_key, "big")
    if not 1 <= d <= N - 2:
        raise InvalidKey("SM2 私钥超出取值范围 [1, n-2]")
    return d


def _check_public_key(public_key: bytes) -> None:
    if not isinstance(public_key, bytes) or len(public_key) != PUBLIC_KEY_SIZE or public_key[0] != 4:
        raise InvalidKey("SM2 公钥必须是 65 字节的未压缩点（以 04 开头）")
    x = int.from_bytes(public_key[1:33], "big")
    y = int.from_bytes(public_key[33:], "big")
    if not (x < P and y < P and (y * y - x * x * x - A * x - B) % P == 0):
        raise InvalidKey("SM2 公钥不在曲线上")


def _encode_point(point: tuple[int, int]) -> bytes:
    return b"\x04" + point[0].to_bytes(32, "big") + point[1].to_bytes(32, "big")


# --- curve arithmetic (only for deriving public keys; signing is GmSSL's) ---------------------------

_Jacobian = tuple[int, int, int]


def _multiply_base(k: int) -> tuple[int, int]:
    """k·G by left-to-right double-and-add in Jacobian coordinates; 0 < k < n, so never infinity."""
    acc: _Jacobian | None = None
    for bit in bin(k)[2:]:
        if acc is not None:
            acc = _double(acc)
        if bit == "1":
            acc = (GX, GY, 1) if acc is None else _add_affine(acc, GX, GY)
    assert acc is not None
    return _to_affine(acc)


def _double(pt: _Jacobian) -> _Jacobian:
    """Point doubling for a = -3 (dbl-2001-b)."""
    x, y, z = pt
    delta, gamma = z * z % P, y * y % P
    beta = x * gamma % P
    alpha = 3 * (x - delta) * (x + delta) % P
    x3 = (alpha * alpha - 8 * beta) % P
    z3 = ((y + z) ** 2 - gamma - delta) % P
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % P
    return x3, y3, z3


def _add_affine(pt: _Jacobian, x2: int, y2: int) -> _Jacobian:
    """Jacobian + affine addition (madd-2004-hmv), without the P = ±Q cases: in _multiply_base the
    accumulator is 2m·G with 2m + 1 <= k <= n - 2, so never ±G."""
    x1, y1, z1 = pt
    z1z1 = z1 * z1 % P
    h = (x2 * z1z1 - x1) % P
    r = (y2 * z1 * z1z1 - y1) % P
    hh = h * h % P
    hhh = h * hh % P
    v = x1 * hh % P
    x3 = (r * r - hhh - 2 * v) % P
    y3 = (r * (v - x3) - y1 * hhh) % P
    return x3, y3, z1 * h % P


def _to_affine(pt: _Jacobian) -> tuple[int, int]:
    x, y, z = pt
    zi = pow(z, -1, P)
    zi2 = zi * zi % P
    return x * zi2 % P, y * zi2 * zi % P


# --- PEM -------------------------------------------------------------------------------------------


def public_key_to_pem(public_key: bytes) -> str:
    """SubjectPublicKeyInfo, as `openssl pkey -pubout` writes for an SM2 key."""
    _check_public_key(public_key)
    algorithm = _der(_SEQUENCE, _der(_OID, _OID_EC_PUBLIC_KEY) + _der(_OID, _OID_SM2_CURVE))
    return _pem("PUBLIC KEY", _der(_SEQUENCE, algorithm + _der(_BIT_STRING, b"\x00" + public_key)))


def public_key_from_pem(pem: str) -> bytes:
    try:
        algorithm, bits = _children(_single(_pem_body(pem, "PUBLIC KEY"), _SEQUENCE))
        _check_algorithm(algorithm)
        if bits[0] != _BIT_STRING or bits[1][:1] != b"\x00":
            raise InvalidKey("公钥 PEM 格式不正确")
        public_key = bits[1][1:]
    except (ValueError, IndexError) as exc:
        raise InvalidKey("不是 SM2 公钥 PEM") from exc
    _check_public_key(public_key)
    return public_key


def private_key_to_pem(private_key: bytes) -> str:
    """PKCS#8 "PRIVATE KEY", byte for byte what `openssl genpkey -algorithm SM2` writes."""
    public_key = public_key_from_private(private_key)
    algorithm = _der(_SEQUENCE, _der(_OID, _OID_EC_PUBLIC_KEY) + _der(_OID, _OID_SM2_CURVE))
    ec_private = _der(
        _SEQUENCE,
        _der(_INTEGER, b"\x01")
        + _der(_OCTET_STRING, private_key)
        + _der(_CTX1, _der(_BIT_STRING, b"\x00" + public_key)),
    )
    body = _der(_INTEGER, b"\x00") + algorithm + _der(_OCTET_STRING, ec_private)
    return _pem("PRIVATE KEY", _der(_SEQUENCE, body))


def private_key_from_pem(pem: str) -> bytes:
    """Read PKCS#8 "PRIVATE KEY" (`openssl genpkey`, `ecparam -genkey`) or SEC1 ECPrivateKey, which
    OpenSSL 3 `openssl ec` labels "SM2 PRIVATE KEY" and OpenSSL 1.1.1 and GmSSL label "EC PRIVATE KEY"."""
    try:
        sec1 = next((label for label in _SEC1_LABELS if f"-----BEGIN {label}-----" in pem), None)
        if sec1 is not None:
            private_key = _ec_private_key(_single(_pem_body(pem, sec1), _SEQUENCE))
        else:
            private_key = _pkcs8_private_key(_pem_body(pem, "PRIVATE KEY"))
    except (ValueError, IndexError) as exc:
        raise InvalidKey("不是 SM2 私钥 PEM（加密的私钥请先用 openssl 解密）") from exc
    _private_scalar(private_key)
    return private_key


def _pkcs8_private_key(der: bytes) -> bytes:
    version, algorithm, wrapped = _children(_single(der, _SEQUENCE))[:3]
    _check_algorithm(algorithm)
    if version != (_INTEGER, b"\x00") or wrapped[0] != _OCTET_STRING:
        raise InvalidKey("PKCS#8 格式不正确")
    return _ec_private_key(_single(wrapped[1], _SEQUENCE))


def _ec_private_key(body: bytes) -> bytes:
    """ECPrivateKey (RFC 5915): version 1, the scalar, optional [0] curve OID, optional [1] public key."""
    items = _children(body)
    if items[0] != (_INTEGER, b"\x01") or items[1][0] != _OCTET_STRING:
        raise InvalidKey("EC 私钥格式不正确")
    for tag, value in items[2:]:
        if tag == _CTX0 and _single(value, _OID) != _OID_SM2_CURVE:
            raise InvalidKey("不是 SM2 曲线上的私钥")
    return items[1][1].rjust(PRIVATE_KEY_SIZE, b"\x00")


def _check_algorithm(item: tuple[int, bytes]) -> None:
    oids = _children(item[1]) if item[0] == _SEQUENCE else []
    if oids != [(_OID, _OID_EC_PUBLIC_KEY), (_OID, _OID_SM2_CURVE)]:
        raise InvalidKey("密钥算法不是 SM2（需要 id-ecPublicKey + 1.2.156.10197.1.301）")


# --- minimal DER / PEM (only what SM2 keys need) -----------------------------------------------------


def _der(tag: int, value: bytes) -> bytes:
    n = len(value)
    length = (
        bytes([n]) if n < 0x80 else bytes([0x81, n]) if n < 0x100 else bytes([0x82]) + n.to_bytes(2, "big")
    )
    return bytes([tag]) + length + value


def _read(data: bytes, pos: int) -> tuple[int, bytes, int]:
    """One DER element at `pos`: (tag, value, position after it)."""
    tag, length, pos = data[pos], data[pos + 1], pos + 2
    if length & 0x80:
        size = length & 0x7F
        if not 1 <= size <= 2:
            raise ValueError("DER 长度字段不支持")
        length, pos = int.from_bytes(data[pos : pos + size], "big"), pos + size
    if pos + length > len(data):
        raise ValueError("DER 数据被截断")
    return tag, data[pos : pos + length], pos + length


def _children(data: bytes) -> list[tuple[int, bytes]]:
    items, pos = [], 0
    while pos < len(data):
        tag, value, pos = _read(data, pos)
        items.append((tag, value))
    return items


def _single(data: bytes, tag: int) -> bytes:
    """The value of `data`, which must be exactly one element with this tag."""
    found, value, end = _read(data, 0)
    if found != tag or end != len(data):
        raise ValueError("DER 结构不符")
    return value


def _pem(label: str, der: bytes) -> str:
    b64 = base64.b64encode(der).decode()
    lines = "\n".join(b64[i : i + 64] for i in range(0, len(b64), 64))
    return f"-----BEGIN {label}-----\n{lines}\n-----END {label}-----\n"


def _pem_body(pem: str, label: str) -> bytes:
    match = re.search(f"-----BEGIN {label}-----(.*?)-----END {label}-----", pem, re.DOTALL)
    if match is None:
        raise ValueError(f"找不到 {label} PEM 块")
    return base64.b64decode("".join(match.group(1).split()), validate=True)
