"""Uploaded files.

Small files that domains keep (a hotline request's photos, an objection's evidence): recognised by their
first bytes, never by the name or the declared type; limited in size and number; stored content-addressed
under `var/<directory>/`. Each domain states its own rules in an `UploadPolicy`:

    POLICY = UploadPolicy(field="attachment", noun="证明材料", types=(PDF, JPEG, PNG, XLSX),
                          label="PDF 文档、JPEG/PNG 图片…", max_bytes=5 * 1024 * 1024,
                          directory="objections/attachments")
    checked = POLICY.check(Upload(name, data))   # 413 / 422 naming the file, before anything is stored
    key = POLICY.store(checked)                  # "ab/ab12….pdf", written once per content
    data = POLICY.read(key)                      # 404 for a missing key or one outside the directory

Large files (a department's data, up to a few GB): `receive_file` streams one file of a multipart form
to disk in chunks, never holding it in memory (see below).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import zipfile
from collections.abc import Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import anyio.to_thread
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from shuzheng.config import get_settings
from shuzheng.errors import NotFound, PayloadTooLarge, ValidationFailed, field_error
from shuzheng.web.middleware import allow_body

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

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


# ---------------------------------------------------------------- large files, streamed to disk
#
# A data file of a few GB must never be held in memory, nor wait in the server's temporary directory for
# the whole request to arrive. `receive_file` parses the multipart body as it comes in and writes the
# file part to a path of the caller's choosing in large chunks, counting bytes as it goes.

FORM_OVERHEAD = 1 << 20  # what a form may carry beside its file: boundaries, part headers, text fields
MAX_FORM_FIELDS = 16
MAX_FIELD_BYTES = 64 * 1024
WRITE_CHUNK = 1 << 20
_SUFFIX = re.compile(r"[^0-9a-z.]")


@dataclass(frozen=True)
class StreamedFile:
    """A file received by `receive_file`, with the form's text fields."""

    path: Path  # on disk, in the caller's directory; the caller removes it
    filename: str  # the client's file name, without any directory part
    size: int
    fields: dict[str, str]
    digest: str | None = None  # hex digest of the file, when `receive_file` was asked for one


def human_size(n: int) -> str:
    """2 GB, 10 MB, 512 KB, 100 字节: a limit as people read it."""
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{round(n / size, 2):g} {unit}"
    return f"{n} 字节"


def too_large(
    max_bytes: int, *, field: str, noun: str, name: str | None = None, hint: str = ""
) -> PayloadTooLarge:
    which = f"{noun}“{name}”" if name else f"上传的{noun}"
    limit = human_size(max_bytes)
    return PayloadTooLarge(
        f"{which}过大：不能超过 {limit}{hint}",
        details=[{"field": field, "message": f"不能超过 {limit}", "max_bytes": max_bytes}],
    )


async def receive_file(
    request: Request,
    directory: Path,
    *,
    max_bytes: int,
    field: str = "file",
    noun: str = "文件",
    hint: str = "",
    before_file: Callable[[str, dict[str, str]], None] | None = None,
    digest: str | None = None,
) -> StreamedFile:
    """Stream a multipart/form-data body: the one file in form field `field` goes to
    `directory/upload<suffix>` (the suffix of the client's name, lower-cased), text fields are collected.
    `before_file(filename, fields so far)` runs when the file part begins, before a byte of it is written
    (to refuse a type, or a form without its CSRF token). Over `max_bytes` → 413 naming the limit (and
    `hint`); the partial file is removed on any error. The app-wide body limit is raised for this request
    to `max_bytes` plus the form's overhead. With `digest` (a hashlib name, e.g. "sm3") the file is
    hashed as it is written, while the rest of it is still arriving, so nobody reads it again for that."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise field_error(field, "请以 multipart/form-data 表单上传文件")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + FORM_OVERHEAD:
        raise too_large(max_bytes, field=field, noun=noun, hint=hint)
    allow_body(request.scope, max_bytes + FORM_OVERHEAD)
    receiver = _Receiver(directory, max_bytes, field, noun, hint, before_file, digest)
    parser = MultipartParser(boundary, receiver.callbacks())
    try:
        async with aclosing(request.stream()) as stream:
            async for chunk in stream:
                parser.write(chunk)
                if receiver.pending >= WRITE_CHUNK:
                    await anyio.to_thread.run_sync(receiver.flush)
        parser.finalize()
        if not receiver.ended:  # the body stopped before the closing boundary
            raise FormParserError("incomplete")
        await anyio.to_thread.run_sync(receiver.flush)
    except FormParserError:
        receiver.discard()
        raise ValidationFailed("上传的内容不完整或格式有误，请重新上传", code="bad_multipart") from None
    except BaseException:
        receiver.discard()
        raise
    receiver.close()
    if receiver.path is None:
        raise field_error(field, f"请选择要上传的{noun}")
    hashed = receiver.hash.hexdigest() if receiver.hash is not None else None
    return StreamedFile(receiver.path, receiver.filename, receiver.size, receiver.fields, hashed)


class _Receiver:
    """python-multipart's callbacks for one request: text fields into a dict, the file part into a file.
    The callbacks only queue file data; `flush` writes it (in a worker thread, off the event loop)."""

    def __init__(
        self,
        directory: Path,
        max_bytes: int,
        field: str,
        noun: str,
        hint: str,
        before_file: Callable[[str, dict[str, str]], None] | None,
        digest: str | None = None,
    ):
        self.hash = hashlib.new(digest) if digest else None
        self.directory = directory
        self.max_bytes = max_bytes
        self.field = field
        self.noun = noun
        self.hint = hint
        self.before_file = before_file
        self.fields: dict[str, str] = {}
        self.field_bytes = 0
        self.path: Path | None = None
        self.filename = ""
        self.size = 0
        self.pending = 0
        self._out: BinaryIO | None = None
        self._queue: list[bytes] = []
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._part: str | None = None  # the text field being read, or None for the file part
        self._value = bytearray()
        self.ended = False

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self._disposition = b""
        self._part = None
        self._value = bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            if len(self.fields) >= MAX_FORM_FIELDS:
                raise ValidationFailed("表单字段过多", code="bad_multipart")
            self._part = name
            return
        if name != self.field or self.path is not None:
            raise field_error(self.field, f"一次只能上传一个{self.noun}（表单字段“{self.field}”）")
        raw = options[b"filename"].decode("utf-8", "replace").replace("\\", "/")
        self.filename = raw.rsplit("/", 1)[-1].strip()
        if self.before_file is not None:
            self.before_file(self.filename, dict(self.fields))
        suffix = _SUFFIX.sub("", Path(self.filename).suffix.lower())[:16]
        self.path = self.directory / f"upload{suffix}"
        self._out = self.path.open("wb")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part is not None:
            self.field_bytes += end - start
            if self.field_bytes > MAX_FIELD_BYTES:
                raise ValidationFailed("表单字段过长", code="bad_multipart")
            self._value += data[start:end]
            return
        self.size += end - start
        if self.size > self.max_bytes:
            raise too_large(
                self.max_bytes, field=self.field, noun=self.noun, name=self.filename, hint=self.hint
            )
        self._queue.append(bytes(data[start:end]))
        self.pending += end - start

    def _part_end(self) -> None:
        if self._part is not None:
            self.fields[self._part] = self._value.decode("utf-8", "replace")
            self._part = None

    def _end(self) -> None:
        self.ended = True

    def flush(self) -> None:
        if self._out is not None and self._queue:
            data = b"".join(self._queue)
            self._out.write(data)
            if self.hash is not None:
                self.hash.update(data)
            # A slow upload may take hours: keep the directory's time fresh, so that housekeeping which
            # clears stale scratch space (`shuzheng lake prune`) sees it is in use.
            os.utime(self.directory)
        self._queue.clear()
        self.pending = 0

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def discard(self) -> None:
        self.close()
        self._queue.clear()
        if self.path is not None:
            self.path.unlink(missing_ok=True)
