"""The evidence file of an objection (a scanned certificate, a photo, a spreadsheet): checked by its first
bytes, not by its name, and stored content-addressed under var/objections/attachments/."""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from shuzheng.config import get_settings
from shuzheng.errors import NotFound, PayloadTooLarge, field_error

MAX_BYTES = 5 * 1024 * 1024
ALLOWED_LABEL = "PDF 文档、JPEG/PNG 图片或 Excel（.xlsx）表格"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    if data.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if data.startswith(b"PK\x03\x04") and _is_xlsx(data):
        return XLSX, "xlsx"
    return None


def _is_xlsx(data: bytes) -> bool:
    # Any zip starts with PK; only a workbook carries xl/workbook.xml.
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            return "xl/workbook.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


def check(upload: Upload) -> Checked:
    name = _UNSAFE.sub("_", (upload.filename or "证明材料").strip())[-200:] or "证明材料"
    if not upload.data:
        raise field_error("attachment", f"证明材料“{name}”是空文件")
    if len(upload.data) > MAX_BYTES:
        raise PayloadTooLarge(
            f"证明材料“{name}”过大（{len(upload.data) / 1048576:.1f} MB），不能超过 {MAX_BYTES // 1048576} MB",
            details=[{"field": "attachment", "message": "附件过大"}],
        )
    kind = sniff(upload.data)
    if kind is None:
        raise field_error("attachment", f"证明材料“{name}”的文件类型不支持，只接受{ALLOWED_LABEL}")
    return Checked(name, upload.data, kind[0], kind[1], hashlib.sha256(upload.data).hexdigest())


def root() -> Path:
    return get_settings().var_dir / "objections" / "attachments"


def store(item: Checked) -> str:
    """Write the bytes once per content and return the storage key. A rolled-back filing may leave a file
    behind; being content-addressed it is harmless, and reused if the same file comes again."""
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
        raise NotFound("证明材料文件不存在")
    return path.read_bytes()
