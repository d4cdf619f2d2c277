"""SM2 signing keys of the platform and of each department (docs/keys.md).

- One active key per owner ("platform" or "department:<id>"); rotation retires the old key, which stays
  for verifying what it signed.
- Private keys are stored only as SM4-GCM ciphertext under the master key's "key-wrap" purpose key, with
  the key id as associated data (a blob moved to another row does not open). A private key exists in
  clear only inside `sign`, and never appears in a log line, an error or a repr.
- Every key operation is traced in the ledger: "key.create", "key.rotate", and "key.sign" for each
  signature (owner, key id, purpose, SM3 of the signed data). The ledger's own tree heads are signed with
  trace=False: a signed tree head is itself the public record of that key use.
- Creating and rotating keys take the ledger lock first, so concurrent requests cannot create two keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shuzheng.errors import NotFound, ServiceUnavailable, field_error
from shuzheng.kit import clock
from shuzheng.ledger import service as ledger
from shuzheng.org import service as org
from shuzheng.security.crypto import sm2, sm4
from shuzheng.security.crypto.sm3 import sm3_hex
from shuzheng.security.master import purpose_key
from shuzheng.security.models import SigningKey
from shuzheng.security.roles import Actor, Perm, require

PLATFORM = "platform"
ALGORITHM = "SM2-SM3"
_DEPARTMENT_OWNER = re.compile(r"department:([1-9][0-9]{0,9})")


class KeyStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class KeyUnavailable(ServiceUnavailable):
    code = "signing_key_unavailable"
    default_message = "签名密钥暂时不可用"


@dataclass(frozen=True)
class Signature:
    key_id: str
    signature: bytes = field(repr=False)
    public_key: bytes = field(repr=False)


def department_owner(department_id: int) -> str:
    return f"department:{department_id}"


def parse_owner(owner: str) -> int | None:
    """None for the platform, the department id for "department:<id>"; anything else is refused."""
    if owner == PLATFORM:
        return None
    match = _DEPARTMENT_OWNER.fullmatch(owner or "")
    if match is None:
        raise field_error("owner", f"密钥归属应为 platform 或 department:<部门ID>，收到：{owner!r}")
    return int(match.group(1))


# --- reading ---------------------------------------------------------------------------------------


def _active(session: Session, owner: str) -> SigningKey | None:
    return session.scalar(
        select(SigningKey).where(SigningKey.owner == owner, SigningKey.status == KeyStatus.ACTIVE.value)
    )


def active_key(session: Session, owner: str) -> SigningKey:
    parse_owner(owner)
    key = _active(session, owner)
    if key is None:
        raise NotFound(f"{owner} 尚无有效签名密钥：请运行 shuzheng signing-keys init")
    return key


def get_key(session: Session, key_id: str) -> SigningKey:
    key = session.get(SigningKey, key_id)
    if key is None:
        raise NotFound(f"签名密钥不存在：{key_id}")
    return key


def public_keys(session: Session, owner: str | None = None) -> list[SigningKey]:
    query = select(SigningKey).order_by(SigningKey.owner, SigningKey.created_at, SigningKey.key_id)
    if owner is not None:
        parse_owner(owner)
        query = query.where(SigningKey.owner == owner)
    return list(session.scalars(query))


# --- creating and rotating -------------------------------------------------------------------------


def ensure_platform_key(session: Session) -> SigningKey:
    return ensure_key(session, PLATFORM)


def ensure_department_key(session: Session, department_id: int) -> SigningKey:
    return ensure_key(session, department_owner(department_id))


def ensure_key(session: Session, owner: str, *, actor: Actor | None = None) -> SigningKey:
    """The owner's active key, created on first use."""
    department_id = parse_owner(owner)
    key = _active(session, owner)
    if key is not None:
        return key
    if department_id is not None:
        org.get_department(session, department_id)
    ledger.lock(session)
    key = _active(session, owner)  # someone may have created it while we waited for the lock
    if key is not None:
        return key
    key = _generate(session, owner)
    ledger.append(
        session,
        action="key.create",
        subject=f"key:{key.key_id}",
        payload=_describe(key),
        actor=actor,
        actor_label=None if actor is not None else ledger.SYSTEM_LABEL,
    )
    return key


def rotate(session: Session, actor: Actor | None, owner: str) -> SigningKey:
    """Retire the owner's active key (kept for verification) and create a new one.

    `actor=None` is the server-side CLI, trusted like other bootstrap paths."""
    if actor is not None:
        require(actor, Perm.KEYS_MANAGE)
    department_id = parse_owner(owner)
    if department_id is not None:
        org.get_department(session, department_id)
    ledger.lock(session)
    old = _active(session, owner)
    if old is not None:
        old.status = KeyStatus.RETIRED.value
        old.retired_at = clock.now()
        session.flush()  # the partial unique index allows one active key: retire before inserting
    key = _generate(session, owner)
    ledger.append(
        session,
        action="key.rotate",
        subject=f"key:{key.key_id}",
        payload={**_describe(key), "retired_key_id": old.key_id if old is not None else None},
        actor=actor,
        actor_label=None if actor is not None else "cli",
    )
    return key


def _generate(session: Session, owner: str) -> SigningKey:
    count = session.scalar(select(func.count()).select_from(SigningKey).where(SigningKey.owner == owner)) or 0
    department_id = parse_owner(owner)
    prefix = PLATFORM if department_id is None else f"dept-{department_id}"
    key_id = f"{prefix}-{count + 1}"
    pair = sm2.generate_keypair()
    key = SigningKey(
        key_id=key_id,
        owner=owner,
        algorithm=ALGORITHM,
        public_key=pair.public_key,
        private_key_enc=sm4.seal(_wrapping_key(), pair.private_key, aad=key_id.encode()),
        status=KeyStatus.ACTIVE.value,
        created_at=clock.now(),
    )
    session.add(key)
    session.flush()
    return key


def _describe(key: SigningKey) -> dict[str, str]:
    return {
        "owner": key.owner,
        "key_id": key.key_id,
        "algorithm": key.algorithm,
        "public_key_sm3": sm3_hex(key.public_key),
    }


def _wrapping_key() -> bytes:
    return purpose_key("key-wrap", sm4.KEY_SIZE)


def _unwrap(key: SigningKey) -> bytes:
    try:
        return sm4.open_sealed(_wrapping_key(), key.private_key_enc, aad=key.key_id.encode())
    except sm4.DecryptionFailed:
        raise KeyUnavailable(
            f"无法解密密钥 {key.key_id}：主密钥不符或密钥密文已被篡改（请检查 SHUZHENG_MASTER_KEY）",
            details={"key_id": key.key_id},
        ) from None


# --- signing and verifying -------------------------------------------------------------------------


def sign(
    session: Session,
    owner: str,
    data: bytes,
    *,
    purpose: str,
    actor: Actor | None,
    trace: bool = True,
) -> Signature:
    """Sign `data` with the owner's active key (SM2 with SM3, signer ID 1234567812345678, DER).

    With trace=True (the default) a "key.sign" entry records owner, key id, purpose and SM3(data) in the
    caller's transaction."""
    purpose = (purpose or "").strip()
    if not purpose or len(purpose) > 64:
        raise field_error("purpose", "签名用途不能为空，且不超过64个字符")
    key = ensure_key(session, owner, actor=actor)
    signature = sm2.sign(_unwrap(key), data)
    if trace:
        ledger.append(
            session,
            action="key.sign",
            subject=f"key:{key.key_id}",
            payload={"owner": key.owner, "key_id": key.key_id, "purpose": purpose, "data_sm3": sm3_hex(data)},
            actor=actor,
        )
    return Signature(key_id=key.key_id, signature=signature, public_key=key.public_key)


def verify(session: Session, key_id: str, data: bytes, signature: bytes) -> bool:
    """True if `signature` over `data` was made by key `key_id`, active or retired; False otherwise
    (also for an unknown key id)."""
    key = session.get(SigningKey, key_id)
    return key is not None and sm2.verify(key.public_key, data, signature)


def init_all(session: Session) -> list[SigningKey]:
    """Make sure the platform and every active department have an active key."""
    made = [ensure_platform_key(session)]
    made += [ensure_department_key(session, d.id) for d in org.list_departments(session) if d.active]
    return made
