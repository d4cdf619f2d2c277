"""The evidence file of an objection (a scanned certificate, a photo, a spreadsheet): checked by its first
bytes, not by its name, and stored content-addressed under var/objections/attachments/
(the shared rules are in kit/uploads.py)."""

from __future__ import annotations

from shuzheng.kit import uploads
from shuzheng.kit.uploads import Checked as Checked  # re-exported: callers name them here
from shuzheng.kit.uploads import Upload as Upload

MAX_BYTES = 5 * 1024 * 1024
ALLOWED_LABEL = "PDF 文档、JPEG/PNG 图片或 Excel（.xlsx）表格"
XLSX = uploads.XLSX.content_type

POLICY = uploads.UploadPolicy(
    field="attachment",
    noun="证明材料",
    types=(uploads.PDF, uploads.JPEG, uploads.PNG, uploads.XLSX),
    label=ALLOWED_LABEL,
    max_bytes=MAX_BYTES,
    directory="objections/attachments",
)

sniff = POLICY.sniff
check = POLICY.check
root = POLICY.root
store = POLICY.store
read = POLICY.read
