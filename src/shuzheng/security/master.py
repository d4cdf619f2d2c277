"""The platform master key and the purpose keys derived from it.

The master key never leaves this module; callers ask for a purpose key by name. It comes from
SHUZHENG_MASTER_KEY (64 hex digits) or the file SHUZHENG_MASTER_KEY_FILE (`shuzheng keys init` writes one).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from shuzheng.config import get_settings
from shuzheng.errors import ServiceUnavailable
from shuzheng.security.crypto.sm3 import derive_key

MASTER_KEY_BYTES = 32


class MasterKeyMissing(ServiceUnavailable):
    code = "master_key_missing"
    default_message = "未配置平台主密钥：请设置 SHUZHENG_MASTER_KEY 或运行 shuzheng keys init"


def _parse(hex_text: str) -> bytes:
    try:
        key = bytes.fromhex(hex_text.strip())
    except ValueError:
        raise MasterKeyMissing("平台主密钥格式不正确：应为 64 位十六进制字符") from None
    if len(key) != MASTER_KEY_BYTES:
        raise MasterKeyMissing("平台主密钥长度不正确：应为 32 字节（64 位十六进制字符）")
    return key


@lru_cache
def master_key() -> bytes:
    settings = get_settings()
    if settings.master_key is not None:
        return _parse(settings.master_key.get_secret_value())
    path = settings.master_key_file
    if path.is_file():
        return _parse(path.read_text())
    raise MasterKeyMissing()


def purpose_key(purpose: str, length: int = 32) -> bytes:
    """An independent key for one purpose, e.g. 'jwt', 'pi-encryption', 'pi-blind-index'."""
    return derive_key(master_key(), f"shuzheng/{purpose}", length)


def write_master_key_file(path: Path) -> bool:
    """Create a new random master key file (0600). Returns False if one already exists."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(os.urandom(MASTER_KEY_BYTES).hex() + "\n")
    return True


def forget_cached_keys() -> None:
    master_key.cache_clear()
