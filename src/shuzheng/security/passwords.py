"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shuzheng.errors import field_error

_hasher = PasswordHasher()

# Verified when an account does not exist, so a wrong login name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("shuzheng-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def check_policy(password: str, *, field: str = "password") -> None:
    if len(password) < 8:
        raise field_error(field, "密码至少8位")
    if len(password) > 128:
        raise field_error(field, "密码不能超过128位")
    if not (any(c.isdigit() for c in password) and any(c.isalpha() for c in password)):
        raise field_error(field, "密码需同时包含字母和数字")
