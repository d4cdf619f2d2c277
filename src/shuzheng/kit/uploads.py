"""Uploaded files that domains keep (a hotline request's photos, an objection's evidence): recognised by
their first bytes, never by the name or the declared type; limited in size and number; stored
content-addressed under `var/<directory>/`. Each domain states its own rules in an `UploadPolicy`:

    POLICY = UploadPolicy(field="attachment", noun="证明材料", types=(PDF, JPEG, PNG, XLSX),
                          label="PDF 文档、JPEG/PNG 图片…", max_bytes=5 * 1024 * 1024,
                          directory="objections/attachments")
    checked = POLICY.check(Upload(name, data))   # 413 / 422 naming the file, before anything is stored
    key = POLICY.store(checked)                  # "ab/ab12….pdf", written once per content
    data = POLICY.read(key)                      # 404 for a missing key or one outside the directory
"""

from __future__ import annotations

import hashlib
import re
import secrets
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from shuzheng.config import get_settings
from shuzheng.errors import NotFound, PayloadTooLarge, field_error

MIB = 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: the name the client gave and its bytes (read up to max_bytes + 1)."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class Checked:
    """A file that passed its policy: a safe display name, the sniffed type and its SHA-256."""

    filename: str
    data: bytes
    content_type: str
    extension: str
    sha256: str


@dataclass(frozen=True)
class FileType:
    """A type recognised by its magic bytes."""

    content_type: str
    extension: str
    matches: Callable[[bytes], bool]


def _is_xlsx(data: bytes) -> bool:
    # Any zip starts with PK; only a workbook carries xl/workbook.xml.
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            return "xl/workbook.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False


def _is_mp3(data: bytes) -> bool:
    # An ID3 tag, or an MPEG audio frame sync (11 set bits).
    return data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


JPEG = FileType("image/jpeg", "jpg", lambda d: d.startswith(b"\xff\xd8\xff"))
PNG = FileType("image/png", "png", lambda d: d.startswith(b"\x89PNG\r\n\x1a\n"))
GIF = FileType("image/gif", "gif", lambda d: d[:6] in (b"GIF87a", b"GIF89a"))
WEBP = FileType("image/webp", "webp", lambda d: d[:4] == b"RIFF" and d[8:12] == b"WEBP")
PDF = FileType("application/pdf", "pdf", lambda d: d.startswith(b"%PDF-"))
WAV = FileType("audio/wav", "wav", lambda d: d[:4] == b"RIFF" and d[8:12] == b"WAVE")
AMR = FileType("audio/amr", "amr", lambda d: d.startswith(b"#!AMR"))
MP3 = FileType("audio/mpeg", "mp3", _is_mp3)
M4A = FileType(
    "audio/mp4", "m4a", lambda d: d[4:8] == b"ftyp" and d[8:12] in (b"M4A ", b"mp42", b"isom", b"mp41")
)
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", _is_xlsx)

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


def safe_name(filename: str | None, default: str) -> str:
    """A display name without control characters or path separators, at most 200 characters."""
    return _UNSAFE.sub("_", (filename or default).strip())[-200:] or default


@dataclass(frozen=True)
class UploadPolicy:
    """One domain's rules for the files it accepts and where it keeps them."""

    field: str  # the form field named in error details
    noun: str  # what the files are called in messages: 附件, 证明材料
    types: tuple[FileType, ...]
    label: str  # the allowed types, for people: "PDF 文档、JPEG/PNG 图片…"
    max_bytes: int
    directory: str  # under settings.var_dir
    max_files: int = 1

    def sniff(self, data: bytes) -> tuple[str, str] | None:
        """(content type, extension) from the magic bytes, or None when the type is not allowed."""
        for kind in self.types:
            if kind.matches(data):
                return kind.content_type, kind.extension
        return None

    def check(self, upload: Upload, default_name: str | None = None) -> Checked:
        name = safe_name(upload.filename, default_name or self.noun)
        if not upload.data:
            raise field_error(self.field, f"{self.noun}“{name}”是空文件")
        if len(upload.data) > self.max_bytes:
            each = f"单个{self.noun}" if self.max_files > 1 else ""
            raise PayloadTooLarge(
                f"{self.noun}“{name}”过大（{len(upload.data) / MIB:.1f} MB），"
                f"{each}不能超过 {self.max_bytes // MIB} MB",
                details=[{"field": self.field, "message": "附件过大"}],
            )
        kind = self.sniff(upload.data)
        if kind is None:
            raise field_error(self.field, f"{self.noun}“{name}”的文件类型不支持，只接受{self.label}")
        return Checked(name, upload.data, kind[0], kind[1], hashlib.sha256(upload.data).hexdigest())

    def check_all(self, uploads: Sequence[Upload]) -> list[Checked]:
        """Every file is checked before any is stored; the first problem names the file."""
        if len(uploads) > self.max_files:
            raise field_error(self.field, f"最多上传{self.max_files}个{self.noun}（当前{len(uploads)}个）")
        return [self.check(up, f"{self.noun}{i}") for i, up in enumerate(uploads, start=1)]

    def root(self) -> Path:
        return get_settings().var_dir / self.directory

    def store(self, item: Checked) -> str:
        """Write the bytes once per content and return the storage key. A rolled-back transaction may
        leave a file behind; being content-addressed, it is harmless and reused if the same file comes
        again."""
        key = f"{item.sha256[:2]}/{item.sha256}.{item.extension}"
        path = self.root() / key
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")  # writers never share one
            tmp.write_bytes(item.data)
            tmp.replace(path)
        return key

    def read(self, storage_key: str) -> bytes:
        root = self.root().resolve()
        path = (root / storage_key).resolve()
        if root not in path.parents or not path.is_file():
            raise NotFound(f"{self.noun}文件不存在")
        return path.read_bytes()
