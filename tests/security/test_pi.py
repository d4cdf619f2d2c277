import duckdb
import pytest

from shuzheng.security import pi
from shuzheng.security.crypto.sm4 import DecryptionFailed


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        (pi.PIKind.ID_NUMBER, "37080219850314123x", "3708**********123X"),
        (pi.PIKind.PHONE, "138 1234 5678", "138****5678"),
        (pi.PIKind.BANK_CARD, "6222021234567890123", "622202*********0123"),
        (pi.PIKind.NAME, "欧阳娜娜", "欧***"),
        (pi.PIKind.EMAIL, "Zhang.San@example.cn", "z***@example.cn"),
    ],
)
def test_masking(kind, value, masked) -> None:
    assert pi.mask(kind, value) == masked


def test_round_trip_and_blind_index_ignores_formatting() -> None:
    protected = pi.protect(pi.PIKind.PHONE, "138-1234-5678")
    assert pi.reveal(pi.PIKind.PHONE, protected.ciphertext) == "13812345678"
    assert protected.blind_index == pi.blind_index(pi.PIKind.PHONE, "138 1234 5678")
    assert protected.blind_index != pi.blind_index(pi.PIKind.ID_NUMBER, "13812345678")


def test_same_value_encrypts_differently_each_time() -> None:
    a = pi.encrypt(pi.PIKind.ID_NUMBER, "11010519491231002X")
    b = pi.encrypt(pi.PIKind.ID_NUMBER, "11010519491231002X")
    assert a != b


def test_altered_ciphertext_or_wrong_kind_is_detected() -> None:
    blob = bytearray(pi.encrypt(pi.PIKind.ID_NUMBER, "11010519491231002X"))
    with pytest.raises(DecryptionFailed):
        pi.reveal(pi.PIKind.PHONE, bytes(blob))  # a ciphertext moved to another column
    blob[20] ^= 1
    with pytest.raises(DecryptionFailed):
        pi.reveal(pi.PIKind.ID_NUMBER, bytes(blob))


MASK_SAMPLES = [
    "370802199001011234",
    " 37080219900101123x ",
    "3708-0219-9001-0112-3X",
    "1234",
    "123456789",
    "13812345678",
    "138 1234 5678",
    "0531-1234567",
    "6222021234567890123",
    "张三",
    "张",
    "欧阳娜娜",
    "  王五\u3000",
    "山东省济南市历下区泉城路1号",
    "示范市",
    "Li.Ming@Example.COM",
    "@example.com",
    "ming@",
    "no-at-sign",
    "2023-07-12",
]


@pytest.mark.parametrize("kind", list(pi.PIKind))
def test_mask_sql_equals_mask(kind: pi.PIKind) -> None:
    """The SQL used to mask whole exports gives exactly what mask() gives value by value."""
    con = duckdb.connect()
    expr = pi.mask_sql(kind, "v")
    got = [
        row[0]
        for row in con.execute(
            f"SELECT {expr} FROM unnest(?) WITH ORDINALITY AS t(v, i) ORDER BY i", [MASK_SAMPLES]
        ).fetchall()
    ]
    assert got == [pi.mask(kind, v) for v in MASK_SAMPLES]
    assert con.execute(f"SELECT {expr} FROM (SELECT NULL::VARCHAR AS v UNION ALL SELECT '')").fetchall() == [
        (None,),
        ("",),
    ]


def test_blind_indexes_equal_blind_index() -> None:
    values = ["370802199001011234", " 37080219900101123x", "13812345678"]
    assert pi.blind_indexes(pi.PIKind.ID_NUMBER, values) == [
        pi.blind_index(pi.PIKind.ID_NUMBER, v) for v in values
    ]
