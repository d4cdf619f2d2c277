"""kit/uploads.py: files recognised by their bytes, limits that name the file, content-addressed storage,
the two policies built on it (hotline attachments, objection evidence); and large files streamed to disk."""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from starlette.requests import Request

from shuzheng.config import get_settings
from shuzheng.errors import NotFound, PayloadTooLarge, ValidationFailed
from shuzheng.hotline import attachments as hotline
from shuzheng.kit import uploads
from shuzheng.kit.uploads import StreamedFile, Upload, UploadPolicy, receive_file
from shuzheng.objections import attachments as objections
from shuzheng.web.middleware import BODY_LIMIT_KEY, BodyLimit


@pytest.fixture(autouse=True)
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(get_settings(), "var_dir", tmp_path)
    return tmp_path


def _xlsx() -> bytes:
    wb = Workbook()
    wb.active.append(["身份证号", "出生日期"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


SAMPLES = {
    "jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF",
    "png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 16,
    "gif": b"GIF89a" + b"\x00" * 8,
    "webp": b"RIFF\x10\x00\x00\x00WEBPVP8 ",
    "wav": b"RIFF\x10\x00\x00\x00WAVEfmt ",
    "pdf": b"%PDF-1.7\n",
    "amr": b"#!AMR\n\x00",
    "mp3": b"ID3\x03\x00\x00\x00\x00\x00\x00",
    "m4a": b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00",
    "xlsx": _xlsx(),
}
EVERYTHING = UploadPolicy(
    field="file",
    noun="附件",
    types=(*hotline.POLICY.types, uploads.XLSX),  # every known type
    label="各种文件",
    max_bytes=1024 * 1024,
    directory="kit-test",
    max_files=2,
)
ONE_PDF = UploadPolicy(
    field="evidence",
    noun="材料",
    types=(uploads.PDF,),
    label="PDF 文档",
    max_bytes=2 * 1024 * 1024,
    directory="one",
)


@pytest.mark.parametrize("extension", sorted(SAMPLES))
def test_each_type_is_known_by_its_first_bytes(extension: str) -> None:
    kind = EVERYTHING.sniff(SAMPLES[extension])
    assert kind is not None and kind[1] == extension


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"MZ\x90\x00 an exe",
        b"<?php echo 1; ?>",
        b"PK\x03\x04 zip but not a workbook",
        b"RIFF\x00\x00\x00\x00AVI ",
    ],
)
def test_other_bytes_are_not_recognised(data: bytes) -> None:
    assert EVERYTHING.sniff(data) is None


def test_a_policy_accepts_only_its_own_types() -> None:
    assert ONE_PDF.sniff(SAMPLES["pdf"]) == ("application/pdf", "pdf")
    assert ONE_PDF.sniff(SAMPLES["png"]) is None
    assert hotline.sniff(SAMPLES["m4a"]) == ("audio/mp4", "m4a") and hotline.sniff(SAMPLES["xlsx"]) is None
    assert (
        objections.sniff(SAMPLES["xlsx"]) == (objections.XLSX, "xlsx")
        and objections.sniff(SAMPLES["mp3"]) is None
    )


def test_check_names_the_file_and_the_field() -> None:
    with pytest.raises(ValidationFailed) as empty:
        ONE_PDF.check(Upload("证明.pdf", b""))
    assert (
        empty.value.message.endswith("材料“证明.pdf”是空文件")
        and empty.value.details[0]["field"] == "evidence"
    )
    with pytest.raises(ValidationFailed) as wrong:
        ONE_PDF.check(Upload("照片.pdf", SAMPLES["png"]))
    assert wrong.value.message.endswith("材料“照片.pdf”的文件类型不支持，只接受PDF 文档")
    with pytest.raises(PayloadTooLarge) as big:
        ONE_PDF.check(Upload("大.pdf", b"%PDF-" + b"0" * 3 * 1024 * 1024))
    assert big.value.message == "材料“大.pdf”过大（3.0 MB），不能超过 2 MB"
    assert big.value.details == [{"field": "evidence", "message": "附件过大"}]


def test_a_policy_of_several_files_limits_each_and_their_number() -> None:
    with pytest.raises(PayloadTooLarge) as big:
        EVERYTHING.check_all([Upload("a.pdf", b"%PDF-" + b"0" * 2 * 1024 * 1024)])
    assert "单个附件不能超过 1 MB" in big.value.message
    with pytest.raises(ValidationFailed) as many:
        EVERYTHING.check_all([Upload("a.pdf", SAMPLES["pdf"])] * 3)
    assert many.value.message.endswith("最多上传2个附件（当前3个）")
    with pytest.raises(ValidationFailed) as unnamed:
        EVERYTHING.check_all([Upload("a.pdf", SAMPLES["pdf"]), Upload("", b"")])
    assert "附件“附件2”是空文件" in unnamed.value.message


def test_names_lose_control_characters_and_path_separators() -> None:
    checked = ONE_PDF.check(Upload(" ../../etc/pass\x00wd.pdf ", SAMPLES["pdf"]))
    assert checked.filename == ".._.._etc_pass_wd.pdf"
    assert ONE_PDF.check(Upload("", SAMPLES["pdf"])).filename == "材料"
    assert len(ONE_PDF.check(Upload("长" * 300 + ".pdf", SAMPLES["pdf"])).filename) == 200


def test_storage_is_content_addressed_and_written_once(var_dir: Path) -> None:
    item = ONE_PDF.check(Upload("证明.pdf", SAMPLES["pdf"]))
    key = ONE_PDF.store(item)
    assert key == f"{item.sha256[:2]}/{item.sha256}.pdf"
    path = var_dir / "one" / key
    first = path.stat().st_mtime_ns
    assert ONE_PDF.store(ONE_PDF.check(Upload("另一个名字.pdf", SAMPLES["pdf"]))) == key
    assert path.stat().st_mtime_ns == first
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no .part left behind
    assert ONE_PDF.read(key) == SAMPLES["pdf"]


def test_reading_outside_the_directory_or_a_missing_key_is_not_found(var_dir: Path) -> None:
    (var_dir / "secret.txt").write_text("x")
    for key in ("../secret.txt", "/etc/passwd", "ab/missing.pdf"):
        with pytest.raises(NotFound) as err:
            ONE_PDF.read(key)
        assert err.value.message == "材料文件不存在"


def test_the_domains_keep_their_own_places_and_words(var_dir: Path) -> None:
    assert hotline.root() == var_dir / "hotline" / "attachments"
    assert objections.root() == var_dir / "objections" / "attachments"
    with pytest.raises(NotFound, match="证明材料文件不存在"):
        objections.read("ab/none.pdf")
    with pytest.raises(ValidationFailed, match="最多上传5个附件"):
        hotline.check([Upload("a.pdf", SAMPLES["pdf"])] * 6)
    with pytest.raises(PayloadTooLarge, match="不能超过 5 MB"):
        objections.check(Upload("大.pdf", b"%PDF-" + b"0" * objections.MAX_BYTES))


# ---------------------------------------------------------------- receive_file: large files streamed to disk

BOUNDARY = "----shuzheng-test-boundary"


def _multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> bytes:
    out = b""
    for name, value in fields.items():
        out += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for name, filename, data in files:
        out += (
            (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    return out + f"--{BOUNDARY}--\r\n".encode()


def _request(
    body: bytes, chunk: int = 7, content_type: str | None = None, scope_extra: dict | None = None
) -> Request:
    chunks = [body[i : i + chunk] for i in range(0, len(body), chunk)] or [b""]
    messages = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)
    ]

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    headers = [
        (b"content-type", (content_type or f"multipart/form-data; boundary={BOUNDARY}").encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": headers,
        "query_string": b"",
        **(scope_extra or {}),
    }
    return Request(scope, receive)  # type: ignore[arg-type]


def _receive(request: Request, directory: Path, **kw: Any) -> StreamedFile:
    # In a thread of its own: a browser test earlier in the run may leave an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(
            asyncio.run, receive_file(request, directory, **{"max_bytes": 1024, **kw})
        ).result()


def test_a_file_is_streamed_to_disk_with_the_form_fields(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uploads, "WRITE_CHUNK", 100)  # many writes, not one
    data = bytes(range(256)) * 4  # every byte value, CRLFs and dashes included
    body = _multipart(
        {"incremental": "true", "mapping": '{"证件号码": "id_number"}'},
        [("file", "C:\\数据\\人口.CSV", data)],
    )
    got = _receive(_request(body), tmp_path)
    assert got.path == tmp_path / "upload.csv" and got.path.read_bytes() == data
    assert got.filename == "人口.CSV" and got.size == len(data)
    assert got.fields == {"incremental": "true", "mapping": '{"证件号码": "id_number"}'}


def test_over_the_limit_the_partial_file_is_removed(tmp_path: Path) -> None:
    body = _multipart({}, [("file", "big.csv", b"x" * 1500)])
    with pytest.raises(PayloadTooLarge) as err:
        _receive(_request(body, chunk=256), tmp_path, noun="数据文件", hint="。请用命令行")
    assert err.value.message == "数据文件“big.csv”过大：不能超过 1 KB。请用命令行"
    assert err.value.details[0]["max_bytes"] == 1024
    assert list(tmp_path.iterdir()) == []
    declared = _multipart({}, [("file", "huge.csv", b"x" * (uploads.FORM_OVERHEAD + 2048))])
    with pytest.raises(PayloadTooLarge, match="上传的文件过大：不能超过 1 KB"):
        _receive(_request(declared, chunk=1 << 20), tmp_path)


def test_the_file_part_can_be_refused_before_a_byte_is_written(tmp_path: Path) -> None:
    seen: list[tuple[str, dict[str, str]]] = []

    def refuse(filename: str, fields: dict[str, str]) -> None:
        seen.append((filename, fields))
        raise ValidationFailed("不要")

    body = _multipart({"csrf_token": "t"}, [("file", "a.exe", b"MZ" * 100)])
    with pytest.raises(ValidationFailed, match="不要"):
        _receive(_request(body), tmp_path, before_file=refuse)
    assert seen == [("a.exe", {"csrf_token": "t"})] and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("body", "content_type", "words"),
    [
        (_multipart({"a": "1"}, []), None, "请选择要上传的文件"),
        (_multipart({}, [("file", "a.csv", b"1"), ("file", "b.csv", b"2")]), None, "一次只能上传一个文件"),
        (_multipart({}, [("other", "a.csv", b"1")]), None, "一次只能上传一个文件"),
        (_multipart({}, [("file", "a.csv", b"1" * 100)])[:-40], None, "不完整"),
        (b"a,b\n1,2\n", "text/csv", "multipart/form-data"),
        (_multipart({f"f{i}": "x" for i in range(20)}, []), None, "表单字段过多"),
        (_multipart({"mapping": "x" * 70_000}, []), None, "表单字段过长"),
    ],
    ids=["no-file", "two-files", "other-field", "truncated", "not-multipart", "many-fields", "long-field"],
)
def test_malformed_forms_are_422_and_leave_nothing(
    tmp_path: Path, body: bytes, content_type: str | None, words: str
) -> None:
    with pytest.raises(ValidationFailed) as err:
        _receive(_request(body, chunk=64, content_type=content_type), tmp_path)
    assert words in err.value.message
    assert list(tmp_path.iterdir()) == []


def test_receiving_raises_the_request_body_limit_for_its_request(tmp_path: Path) -> None:
    limit = BodyLimit(10)
    _receive(
        _request(_multipart({}, [("file", "a.csv", b"1,2\n")]), scope_extra={BODY_LIMIT_KEY: limit}), tmp_path
    )
    assert limit.max_bytes == 1024 + uploads.FORM_OVERHEAD


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (2 * 1024**3, "2 GB"),
        (10 * 1024**2, "10 MB"),
        (1536 * 1024, "1.5 MB"),
        (64 * 1024, "64 KB"),
        (100, "100 字节"),
    ],
)
def test_limits_are_written_as_people_read_them(n: int, text: str) -> None:
    assert uploads.human_size(n) == text
