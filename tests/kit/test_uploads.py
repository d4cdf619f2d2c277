"""kit/uploads.py: files recognised by their bytes, limits that name the file, content-addressed storage;
and the two policies built on it (hotline attachments, objection evidence)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from shuzheng.config import get_settings
from shuzheng.errors import NotFound, PayloadTooLarge, ValidationFailed
from shuzheng.hotline import attachments as hotline
from shuzheng.kit import uploads
from shuzheng.kit.uploads import Upload, UploadPolicy
from shuzheng.objections import attachments as objections


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
