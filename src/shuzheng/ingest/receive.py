"""A department's data file received over HTTP, for the API and the page alike: authorised before a
byte is stored, streamed in chunks into a staging directory of the lake (never held in memory), then
loaded from there by `service.load` like any file; the staging directory goes whatever happens.

The limit is `settings.max_upload_bytes` (2 GB by default), not the app-wide request limit
(`max_body_bytes`, 10 MB): these are the only routes that raise it for their requests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from shuzheng.catalog import service as catalog
from shuzheng.config import Settings
from shuzheng.errors import field_error
from shuzheng.ingest import lake, readers
from shuzheng.kit import uploads
from shuzheng.security.roles import Actor, Perm, require

FIELD = "file"
HINT = "。更大的文件请用命令行 shuzheng ingest load 加载，或从部门数据库接入（shuzheng ingest pull）"
TRUE = frozenset({"1", "true", "on", "yes"})
FALSE = frozenset({"", "0", "false", "off", "no"})


def max_upload_bytes(request: Request) -> int:
    settings: Settings = request.app.state.settings
    return settings.max_upload_bytes


def _require_load(session: Session, actor: Actor, code: str) -> None:
    spec = catalog.published_spec(session, code)
    require(actor, Perm.DATA_LOAD, department=spec.provider_department_id)


def _supported(filename: str) -> None:
    if not filename:
        raise field_error(FIELD, "请选择要上传的数据文件")
    readers.kind_of(Path(filename))  # an unsupported type is refused before anything is stored


@asynccontextmanager
async def staged_upload(
    request: Request,
    session: Session,
    actor: Actor,
    code: str,
    *,
    before_file: Callable[[dict[str, str]], None] | None = None,
) -> AsyncIterator[uploads.StreamedFile]:
    """The uploaded file on disk, with the form's text fields, for the length of the block.
    `before_file(fields)` runs on the fields sent before the file (the page checks its CSRF token)."""
    await run_in_threadpool(_require_load, session, actor, code)

    def check(filename: str, fields: dict[str, str]) -> None:
        if before_file is not None:
            before_file(fields)
        _supported(filename)

    with lake.staging() as scratch:
        yield await uploads.receive_file(
            request,
            scratch,
            max_bytes=max_upload_bytes(request),
            field=FIELD,
            noun="数据文件",
            hint=HINT,
            before_file=check,
            digest="sm3",  # the source checksum, computed while the upload arrives
        )


def flag(fields: dict[str, str], name: str) -> bool:
    value = fields.get(name, "").strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise field_error(name, "应为 true 或 false")
