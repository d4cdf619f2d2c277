"""JSON shapes of the ledger and key APIs. Hashes are lowercase hex, signatures Base64 (DER)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from pydantic import BaseModel, Field

from shuzheng.ledger import service
from shuzheng.ledger.models import Cosignature, LedgerEntry, TreeHead, Witness
from shuzheng.security.crypto import sm2
from shuzheng.security.models import SigningKey


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _ms_to_time(ms: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=ms)


class CosignatureOut(BaseModel):
    witness: str
    signature: str = Field(description="Base64 DER SM2 签名，签名内容为 cosignature_message")
    created_at: dt.datetime


class TreeHeadOut(BaseModel):
    tree_size: int
    root_hash: str
    timestamp_ms: int
    timestamp: dt.datetime
    key_id: str
    signature: str = Field(
        description="Base64 DER SM2 签名（SM3，签名者标识 1234567812345678），签名内容为 signed_message"
    )
    signed_message: str
    cosignatures: list[CosignatureOut] = []

    @classmethod
    def of(cls, head: TreeHead, cosigned: list[tuple[Witness, Cosignature]] | None = None) -> TreeHeadOut:
        return cls(
            tree_size=head.tree_size,
            root_hash=head.root_hash.hex(),
            timestamp_ms=head.timestamp_ms,
            timestamp=_ms_to_time(head.timestamp_ms),
            key_id=head.key_id,
            signature=_b64(head.signature),
            signed_message=service.tree_head_bytes(
                head.tree_size, head.root_hash, head.timestamp_ms
            ).decode(),
            cosignatures=[
                CosignatureOut(witness=w.name, signature=_b64(c.signature), created_at=c.created_at)
                for w, c in cosigned or []
            ],
        )


class TreeHeadNote(TreeHeadOut):
    """What a witness needs to cosign: the head, the platform's public key, the exact bytes to sign."""

    public_key_pem: str
    cosignature_message: str


class EntryOut(BaseModel):
    seq: int
    time: dt.datetime
    time_us: int = Field(description="叶子字节中的时间：自 1970-01-01T00:00:00Z 起的微秒数")
    actor_id: int | None
    actor_label: str
    action: str
    subject: str
    payload: dict[str, Any]
    payload_json: str = Field(description="载荷的规范 JSON 原文；payload_digest = SM3(UTF-8(payload_json))")
    payload_digest: str
    leaf_hash: str

    @classmethod
    def of(cls, entry: LedgerEntry) -> EntryOut:
        try:
            payload = json.loads(entry.payload)
        except ValueError:
            payload = {}
        return cls(
            seq=entry.seq,
            time=entry.time,
            time_us=service.time_micros(entry.time),
            actor_id=entry.actor_id,
            actor_label=entry.actor_label,
            action=entry.action,
            subject=entry.subject,
            payload=payload if isinstance(payload, dict) else {},
            payload_json=entry.payload,
            payload_digest=entry.payload_digest,
            leaf_hash=entry.leaf_hash.hex(),
        )


class EntryPage(BaseModel):
    start: int
    end: int
    tree_size: int
    entries: list[EntryOut]


class InclusionOut(BaseModel):
    seq: int
    tree_size: int
    leaf_hash: str
    root_hash: str = Field(description="该大小的树根（供参考；请与签名树头中的根比对）")
    audit_path: list[str]

    @classmethod
    def of(cls, proof: service.InclusionProof) -> InclusionOut:
        return cls(
            seq=proof.seq,
            tree_size=proof.tree_size,
            leaf_hash=proof.leaf_hash.hex(),
            root_hash=proof.root_hash.hex(),
            audit_path=[h.hex() for h in proof.path],
        )


class ConsistencyOut(BaseModel):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]

    @classmethod
    def of(cls, proof: service.ConsistencyProof) -> ConsistencyOut:
        return cls(
            first=proof.first,
            second=proof.second,
            first_root=proof.first_root.hex(),
            second_root=proof.second_root.hex(),
            proof=[h.hex() for h in proof.path],
        )


class WitnessIn(BaseModel):
    name: str = Field(min_length=1, max_length=64, description="见证节点名称，如 省级政务区块链")
    public_key_pem: str = Field(
        min_length=1, max_length=4096, description="SM2 公钥 PEM（SubjectPublicKeyInfo）"
    )


class WitnessOut(BaseModel):
    name: str
    public_key_pem: str
    active: bool
    created_at: dt.datetime

    @classmethod
    def of(cls, witness: Witness) -> WitnessOut:
        return cls(
            name=witness.name,
            public_key_pem=sm2.public_key_to_pem(witness.public_key),
            active=witness.active,
            created_at=witness.created_at,
        )


class CosignatureIn(BaseModel):
    witness: str = Field(min_length=1, max_length=64)
    signature: str = Field(min_length=1, max_length=512, description="Base64 DER SM2 签名")


class KeyOut(BaseModel):
    key_id: str
    owner: str
    algorithm: str
    status: str
    created_at: dt.datetime
    retired_at: dt.datetime | None
    public_key_hex: str
    public_key_pem: str

    @classmethod
    def of(cls, key: SigningKey) -> KeyOut:
        return cls(
            key_id=key.key_id,
            owner=key.owner,
            algorithm=key.algorithm,
            status=key.status,
            created_at=key.created_at,
            retired_at=key.retired_at,
            public_key_hex=key.public_key.hex(),
            public_key_pem=sm2.public_key_to_pem(key.public_key),
        )
