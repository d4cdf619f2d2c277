"""Attachments of a request (photos, documents, call recordings): checked by their first bytes, not by
the name or the declared type, and stored content-addressed under var/hotline/attachments/
(the shared rules are in kit/uploads.py)."""

from __future__ import annotations

from shuzheng.kit import uploads
from shuzheng.kit.uploads import Checked as Checked  # re-exported: callers name them here
from shuzheng.kit.uploads import Upload as Upload

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5

ALLOWED_LABEL = "JPEG、PNG、GIF、WebP 图片，PDF 文档，MP3、WAV、AMR、M4A 录音"

POLICY = uploads.UploadPolicy(
    field="attachments",
    noun="附件",
    types=(
        uploads.JPEG,
        uploads.PNG,
        uploads.GIF,
        uploads.WEBP,
        uploads.WAV,
        uploads.PDF,
        uploads.AMR,
        uploads.MP3,
        uploads.M4A,
    ),
    label=ALLOWED_LABEL,
    max_bytes=MAX_BYTES,
    max_files=MAX_FILES,
    directory="hotline/attachments",
)

sniff = POLICY.sniff
check = POLICY.check_all  # every file is checked before any is stored; the first problem names the file
root = POLICY.root
store = POLICY.store
read = POLICY.read
