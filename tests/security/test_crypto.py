"""国密 crypto: published vectors (GB/T 32905, 32907, 32918) and interoperability with OpenSSL 3."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from shuzheng.security.crypto import sm2, sm3, sm4

# --- helpers ---------------------------------------------------------------------------------------


def _openssl(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run the real openssl binary; skip (never fail) the test only when it is not installed."""
    binary = shutil.which("openssl")
    if binary is None:
        pytest.skip("openssl binary not installed")
    return subprocess.run([binary, *args], input=stdin, capture_output=True, check=False)


def _openssl_sm2_verify(tmp_path: Path, pub_pem: str, message: bytes, signature: bytes, distid: str) -> bool:
    (tmp_path / "pub.pem").write_text(pub_pem)
    (tmp_path / "msg").write_bytes(message)
    (tmp_path / "sig").write_bytes(signature)
    result = _openssl(
        *("pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "pub.pem"), "-rawin", "-digest", "sm3"),
        *("-pkeyopt", f"distid:{distid}", "-in", str(tmp_path / "msg"), "-sigfile", str(tmp_path / "sig")),
    )
    return result.returncode == 0


def _openssl_sm2_sign(tmp_path: Path, key_pem: Path, message: bytes, distid: str) -> bytes:
    (tmp_path / "msg").write_bytes(message)
    result = _openssl(
        *("pkeyutl", "-sign", "-inkey", str(key_pem), "-rawin", "-digest", "sm3"),
        *("-pkeyopt", f"distid:{distid}", "-in", str(tmp_path / "msg")),
    )
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


def _openssl_genpkey(tmp_path: Path) -> Path:
    path = tmp_path / "openssl_key.pem"
    result = _openssl("genpkey", "-algorithm", "SM2", "-out", str(path))
    assert result.returncode == 0, result.stderr.decode()
    return path


# --- SM3 -------------------------------------------------------------------------------------------


def test_sm3_gbt32905_vectors() -> None:
    assert sm3.sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm3.sm3(b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_hmac_sm3_matches_openssl(tmp_path: Path) -> None:
    key, data = bytes(range(20)), b"what do ya want for nothing?" * 5
    (tmp_path / "data").write_bytes(data)
    result = _openssl(
        "mac", "-digest", "SM3", "-macopt", f"hexkey:{key.hex()}", "-in", str(tmp_path / "data"), "HMAC"
    )
    assert result.returncode == 0, result.stderr.decode()
    assert sm3.hmac_sm3(key, data).hex() == result.stdout.decode().strip().lower()


# --- SM4 -------------------------------------------------------------------------------------------

SM4_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")


def test_sm4_gbt32907_vector() -> None:
    enc = Cipher(algorithms.SM4(SM4_KEY), modes.ECB()).encryptor()
    assert (enc.update(SM4_KEY) + enc.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm4_seal_open_round_trip() -> None:
    blob = sm4.seal(SM4_KEY, "身份证号 110101199003077777".encode(), key_id=7, aad=b"person:42")
    assert sm4.sealed_key_id(blob) == 7
    assert sm4.open_sealed(SM4_KEY, blob, aad=b"person:42") == "身份证号 110101199003077777".encode()


def _flip(blob: bytes, index: int) -> bytes:
    return blob[:index] + bytes([blob[index] ^ 0x01]) + blob[index + 1 :]


@pytest.mark.parametrize(
    ("key", "mangle", "aad"),
    [
        pytest.param(SM4_KEY, lambda b: _flip(b, 2 + sm4.NONCE_SIZE), b"x", id="altered-ciphertext"),
        pytest.param(SM4_KEY, lambda b: _flip(b, len(b) - 1), b"x", id="altered-tag"),
        pytest.param(SM4_KEY, lambda b: _flip(b, 1), b"x", id="altered-key-id"),
        pytest.param(SM4_KEY, lambda b: b[:-1], b"x", id="truncated"),
        pytest.param(SM4_KEY, lambda b: b[:20], b"x", id="truncated-below-minimum"),
        pytest.param(bytes(16), lambda b: b, b"x", id="wrong-key"),
        pytest.param(SM4_KEY, lambda b: b, b"y", id="wrong-aad"),
    ],
)
def test_sm4_open_rejects_tampering(key: bytes, mangle, aad: bytes) -> None:  # type: ignore[no-untyped-def]
    blob = sm4.seal(SM4_KEY, b"secret payload", aad=b"x")
    with pytest.raises(sm4.DecryptionFailed):
        sm4.open_sealed(key, mangle(blob), aad=aad)


# --- SM2: the GM/T 0003 / GB/T 32918 example on the recommended curve ------------------------------

VECTOR_D = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
VECTOR_PUBLIC = bytes.fromhex(
    "04"
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
VECTOR_K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
VECTOR_R = 0xF5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
VECTOR_S = 0xB1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA
VECTOR_MESSAGE = b"message digest"


def test_sm2_vector_public_key_derivation() -> None:
    assert sm2.public_key_from_private(VECTOR_D) == VECTOR_PUBLIC


def test_sm2_published_signature_verifies() -> None:
    signature = encode_dss_signature(VECTOR_R, VECTOR_S)
    assert sm2.verify(VECTOR_PUBLIC, VECTOR_MESSAGE, signature)
    assert not sm2.verify(VECTOR_PUBLIC, VECTOR_MESSAGE, signature, signer_id=b"ALICE123@YAHOO.COM")


def test_sm2_published_signature_recomputed_with_fixed_k() -> None:
    """GmSSL does not let us fix k, so redo A4–A6 by hand: this pins e = SM3(Z || M) to the standard."""
    d, n = int.from_bytes(VECTOR_D, "big"), sm2.N
    e = int.from_bytes(sm2.signed_digest(VECTOR_PUBLIC, VECTOR_MESSAGE), "big")
    x1 = int.from_bytes(sm2.public_key_from_private(VECTOR_K.to_bytes(32, "big"))[1:33], "big")
    r = (e + x1) % n
    s = pow(1 + d, -1, n) * (VECTOR_K - r * d) % n
    assert (r, s) == (VECTOR_R, VECTOR_S)


# --- SM2: behaviour ------------------------------------------------------------------------------


def test_sm2_keypair_shape_and_repr_hides_private_key() -> None:
    kp = sm2.generate_keypair()
    assert len(kp.private_key) == 32 and len(kp.public_key) == 65 and kp.public_key[0] == 4
    assert sm2.public_key_from_private(kp.private_key) == kp.public_key
    assert kp.private_key.hex() not in repr(kp) and str(kp.private_key) not in repr(kp)


def test_sm2_sign_verify_round_trip() -> None:
    kp = sm2.generate_keypair()
    signature = sm2.sign(kp.private_key, "电子证照 No.1".encode())
    r, s = decode_dss_signature(signature)
    assert 0 < r < sm2.N and 0 < s < sm2.N
    assert sm2.verify(kp.public_key, "电子证照 No.1".encode(), signature)
    assert sm2.sign(kp.private_key, b"x") != sm2.sign(kp.private_key, b"x")  # randomised k


def test_sm2_custom_signer_id() -> None:
    kp = sm2.generate_keypair()
    signature = sm2.sign(kp.private_key, b"m", signer_id=b"ALICE123@YAHOO.COM")
    assert sm2.verify(kp.public_key, b"m", signature, signer_id=b"ALICE123@YAHOO.COM")
    assert not sm2.verify(kp.public_key, b"m", signature)


def _non_canonical(signature: bytes) -> bytes:
    """Same (r, s), but r with a redundant leading zero byte: valid BER, not DER."""
    r, s = decode_dss_signature(signature)
    r_bytes = b"\x00" + r.to_bytes((r.bit_length() + 8) // 8, "big")
    s_bytes = s.to_bytes((s.bit_length() + 8) // 8, "big")
    body = bytes([2, len(r_bytes)]) + r_bytes + bytes([2, len(s_bytes)]) + s_bytes
    return bytes([0x30, len(body)]) + body


@pytest.mark.parametrize(
    "case",
    [
        "changed-message",
        "other-key",
        "other-signer-id",
        "truncated-der",
        "trailing-byte",
        "garbage",
        "empty",
        "not-bytes",
        "non-canonical-der",
        "r-zero",
        "s-out-of-range",
        "public-key-64-bytes",
        "public-key-off-curve",
        "signer-id-too-long",
    ],
)
def test_sm2_verify_returns_false_never_raises(case: str) -> None:
    kp, other = sm2.generate_keypair(), sm2.generate_keypair()
    signature = sm2.sign(kp.private_key, b"hello")
    r, s = decode_dss_signature(signature)
    pub, message, sig, signer_id = kp.public_key, b"hello", signature, sm2.DEFAULT_SIGNER_ID
    match case:
        case "changed-message":
            message = b"hellO"
        case "other-key":
            pub = other.public_key
        case "other-signer-id":
            signer_id = b"8765432187654321"
        case "truncated-der":
            sig = signature[:-3]
        case "trailing-byte":
            sig = signature + b"\x00"
        case "garbage":
            sig = b"\x30\x03\x02\x01\xff" * 3
        case "empty":
            sig = b""
        case "not-bytes":
            sig = signature.hex()  # type: ignore[assignment]
        case "non-canonical-der":
            sig = _non_canonical(signature)
        case "r-zero":
            sig = encode_dss_signature(0, s)
        case "s-out-of-range":
            sig = encode_dss_signature(r, s + sm2.N)
        case "public-key-64-bytes":
            pub = pub[1:]
        case "public-key-off-curve":
            pub = pub[:-1] + bytes([pub[-1] ^ 1])
        case "signer-id-too-long":
            signer_id = b"x" * 9000
    assert sm2.verify(pub, message, sig, signer_id=signer_id) is False


@pytest.mark.parametrize(
    "bad",
    [b"", bytes(32), sm2.N.to_bytes(32, "big"), (sm2.N - 1).to_bytes(32, "big"), bytes(31) + b"\x01\x02"],
)
def test_sm2_sign_rejects_invalid_private_keys(bad: bytes) -> None:
    with pytest.raises(sm2.InvalidKey):
        sm2.sign(bad, b"m")


def test_sm2_pem_round_trip() -> None:
    kp = sm2.generate_keypair()
    assert sm2.public_key_from_pem(sm2.public_key_to_pem(kp.public_key)) == kp.public_key
    assert sm2.private_key_from_pem(sm2.private_key_to_pem(kp.private_key)) == kp.private_key


def test_sm2_pem_rejects_other_keys() -> None:
    p256_spki = (
        "-----BEGIN PUBLIC KEY-----\n"
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEOrXGuyI5ug/Kgz3TlwuR0Vd8Ga4M\n"
        "Vdt4sQaB7UcB3SpwAI8PkW7QxOOYlLy/9Z0K33nlDvRFHuUHVMhK1E4K4A==\n"
        "-----END PUBLIC KEY-----\n"
    )
    for pem in (p256_spki, "not a pem", "-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n"):
        with pytest.raises(sm2.InvalidKey):
            sm2.public_key_from_pem(pem)
    with pytest.raises(sm2.InvalidKey):
        sm2.private_key_from_pem(sm2.public_key_to_pem(sm2.generate_keypair().public_key))


# --- SM2: OpenSSL 3 interoperability ---------------------------------------------------------------


@pytest.mark.parametrize("signer_id", [sm2.DEFAULT_SIGNER_ID, b"ALICE123@YAHOO.COM", b""])
def test_openssl_verifies_shuzheng_signature(tmp_path: Path, signer_id: bytes) -> None:
    kp = sm2.generate_keypair()
    message = "12345 工单 #2024-001".encode()
    signature = sm2.sign(kp.private_key, message, signer_id=signer_id)
    pub_pem = sm2.public_key_to_pem(kp.public_key)
    assert _openssl_sm2_verify(tmp_path, pub_pem, message, signature, signer_id.decode())
    assert not _openssl_sm2_verify(tmp_path, pub_pem, message + b"!", signature, signer_id.decode())


@pytest.mark.parametrize("signer_id", [sm2.DEFAULT_SIGNER_ID, b"ALICE123@YAHOO.COM", b""])
def test_shuzheng_verifies_openssl_signature(tmp_path: Path, signer_id: bytes) -> None:
    key_pem = _openssl_genpkey(tmp_path)
    message = b"signed by openssl"
    signature = _openssl_sm2_sign(tmp_path, key_pem, message, signer_id.decode())
    pub = _openssl("pkey", "-in", str(key_pem), "-pubout")
    public_key = sm2.public_key_from_pem(pub.stdout.decode())
    assert sm2.verify(public_key, message, signature, signer_id=signer_id)
    assert not sm2.verify(public_key, message + b"!", signature, signer_id=signer_id)


def test_private_key_pem_is_what_openssl_writes(tmp_path: Path) -> None:
    key_pem = _openssl_genpkey(tmp_path)
    private_key = sm2.private_key_from_pem(key_pem.read_text())
    assert sm2.private_key_to_pem(private_key) == key_pem.read_text()


def test_openssl_signs_with_shuzheng_private_key(tmp_path: Path) -> None:
    kp = sm2.generate_keypair()
    key_pem = tmp_path / "ours.pem"
    key_pem.write_text(sm2.private_key_to_pem(kp.private_key))
    text = _openssl("pkey", "-in", str(key_pem), "-noout", "-text").stdout.decode()
    assert "SM2" in text
    signature = _openssl_sm2_sign(tmp_path, key_pem, b"m", "1234567812345678")
    assert sm2.verify(kp.public_key, b"m", signature)


@pytest.mark.parametrize("label", ["SM2 PRIVATE KEY", "EC PRIVATE KEY"])
def test_reads_sec1_private_key(tmp_path: Path, label: str) -> None:
    """OpenSSL 3 `openssl ec` writes SEC1 as "SM2 PRIVATE KEY"; OpenSSL 1.1.1 and GmSSL say "EC PRIVATE KEY"."""
    key_pem = _openssl_genpkey(tmp_path)
    result = _openssl("ec", "-in", str(key_pem))
    assert result.returncode == 0, result.stderr.decode()
    pem = result.stdout.decode().replace("SM2 PRIVATE KEY", label)
    assert f"-----BEGIN {label}-----" in pem
    assert sm2.private_key_from_pem(pem) == sm2.private_key_from_pem(key_pem.read_text())
