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
