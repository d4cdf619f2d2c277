"""Attachments of a request (photos, documents, call recordings): checked by their first bytes, not by
the name or the declared type, and stored content-addressed under var/hotline/attachments/."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from shuzheng.config import get_settings
from shuzheng.errors import NotFound, PayloadTooLarge, field_error

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5

ALLOWED_LABEL = "JPEG、PNG、GIF、WebP 图片，PDF 文档，MP3、WAV、AMR、M4A 录音"


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


@dataclass(frozen=True)
class Checked:
    filename: str
    data: bytes
    content_type: str
    extension: str
    sha256: str


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the magic bytes, or None when the type is not allowed."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif", "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav", "wav"
    if data.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    if data.startswith(b"#!AMR"):
        return "audio/amr", "amr"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "audio/mpeg", "mp3"
    if data[4:8] == b"ftyp" and data[8:12] in (b"M4A ", b"mp42", b"isom", b"mp41"):
        return "audio/mp4", "m4a"
    return None


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


def check(uploads: list[Upload]) -> list[Checked]:
    """Every file is checked before any is stored; the first problem names the file."""
    if len(uploads) > MAX_FILES:
        raise field_error("attachments", f"最多上传{MAX_FILES}个附件（当前{len(uploads)}个）")
    checked = []
    for i, up in enumerate(uploads, start=1):
        name = _UNSAFE.sub("_", (up.filename or f"附件{i}").strip())[-200:] or f"附件{i}"
        if not up.data:
            raise field_error("attachments", f"附件“{name}”是空文件")
        if len(up.data) > MAX_BYTES:
            raise PayloadTooLarge(
                f"附件“{name}”过大（{len(up.data) / 1048576:.1f} MB），单个附件不能超过 {MAX_BYTES // 1048576} MB",
                details=[{"field": "attachments", "message": "附件过大"}],
            )
        kind = sniff(up.data)
        if kind is None:
            raise field_error("attachments", f"附件“{name}”的文件类型不支持，只接受{ALLOWED_LABEL}")
        checked.append(Checked(name, up.data, kind[0], kind[1], hashlib.sha256(up.data).hexdigest()))
    return checked


def root() -> Path:
    return get_settings().var_dir / "hotline" / "attachments"


def store(item: Checked) -> str:
    """Write the bytes (once per content) and return the storage key. A rolled-back request may leave a
    file behind; being content-addressed, it is harmless and reused if the same file comes again."""
    key = f"{item.sha256[:2]}/{item.sha256}.{item.extension}"
    path = root() / key
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(item.data)
        tmp.replace(path)
    return key


def read(storage_key: str) -> bytes:
    path = (root() / storage_key).resolve()
    if root().resolve() not in path.parents or not path.is_file():
        raise NotFound("附件文件不存在")
    return path.read_bytes()
