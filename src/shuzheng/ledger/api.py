"""The ledger and signing keys over JSON. Thin: every rule is in ledger/service.py and security/keys.py.

Tree heads, proofs, witnesses and public keys are public (anyone may audit); entries need
`ledger.read`; producing a tree head, registering a witness and rotating keys need `keys.manage`.
"""

from __future__ import annotations

from fastapi import APIRouter, Query

from shuzheng.ledger import service
from shuzheng.ledger.models import TreeHead
from shuzheng.ledger.schemas import (
    ConsistencyOut,
    CosignatureIn,
    EntryOut,
    EntryPage,
    InclusionOut,
    KeyOut,
    TreeHeadNote,
    TreeHeadOut,
    WitnessIn,
    WitnessOut,
)
from shuzheng.security import keys
from shuzheng.security.crypto import sm2
from shuzheng.web.deps import ApiActor, ApiActorOptional, DbSession

router = APIRouter(prefix="/api", tags=["存证账本与签名密钥"])


def _head_out(session: DbSession, head: TreeHead) -> TreeHeadOut:
    return TreeHeadOut.of(head, service.cosignatures(session, head.tree_size))


@router.get("/ledger/sth", response_model=TreeHeadOut, summary="最新的签名树头（含见证联署）")
def latest_tree_head(session: DbSession) -> TreeHeadOut:
    return _head_out(session, service.require_latest_tree_head(session))


@router.post("/ledger/sth", status_code=201, response_model=TreeHeadOut, summary="立即生成签名树头（管理员）")
def produce_tree_head(actor: ApiActor, session: DbSession) -> TreeHeadOut:
    return _head_out(session, service.produce_tree_head_as(session, actor))


@router.get("/ledger/sth/{size}", response_model=TreeHeadOut, summary="指定树大小的签名树头")
def tree_head(size: int, session: DbSession) -> TreeHeadOut:
    return _head_out(session, service.get_tree_head(session, size))


@router.get("/ledger/sth/{size}/note", response_model=TreeHeadNote, summary="导出树头供其他节点联署")
def tree_head_note(size: int, session: DbSession) -> TreeHeadNote:
    head = service.get_tree_head(session, size)
    base = _head_out(session, head)
    return TreeHeadNote(
        **base.model_dump(),
        public_key_pem=sm2.public_key_to_pem(keys.get_key(session, head.key_id).public_key),
        cosignature_message=service.cosignature_bytes(
            head.tree_size, head.root_hash, head.timestamp_ms
        ).decode(),
    )


@router.post(
    "/ledger/sth/{size}/cosignatures",
    status_code=201,
    response_model=TreeHeadOut,
    summary="提交见证节点的联署签名（验证通过才保存）",
)
def add_cosignature(size: int, body: CosignatureIn, session: DbSession) -> TreeHeadOut:
    service.add_cosignature(session, size, witness=body.witness, signature=body.signature)
    return _head_out(session, service.get_tree_head(session, size))


@router.get("/ledger/witnesses", response_model=list[WitnessOut], summary="已登记的见证节点")
def witnesses(session: DbSession) -> list[WitnessOut]:
    return [WitnessOut.of(w) for w in service.list_witnesses(session)]


@router.post(
    "/ledger/witnesses", status_code=201, response_model=WitnessOut, summary="登记见证节点（管理员）"
)
def add_witness(body: WitnessIn, actor: ApiActor, session: DbSession) -> WitnessOut:
    return WitnessOut.of(
        service.add_witness(session, actor, name=body.name, public_key_pem=body.public_key_pem)
    )


@router.get("/ledger/entries/{seq}", response_model=EntryOut, summary="账本条目")
def entry(seq: int, actor: ApiActorOptional, session: DbSession) -> EntryOut:
    return EntryOut.of(service.get_entry(session, actor, seq))


@router.get("/ledger/entries", response_model=EntryPage, summary="账本条目（按序号分页，每次最多1000条）")
def entries(
    actor: ApiActorOptional,
    session: DbSession,
    start: int = Query(0, description="起始序号（含）"),
    end: int | None = Query(None, description="结束序号（不含）；缺省为 start + 1000"),
) -> EntryPage:
    found = service.list_entries(session, actor, start, end)
    return EntryPage(
        start=start,
        end=end if end is not None else start + service.MAX_PAGE,
        tree_size=service.size(session),
        entries=[EntryOut.of(e) for e in found],
    )


@router.get("/ledger/proof/inclusion", response_model=InclusionOut, summary="包含性证明（RFC 6962 审计路径）")
def inclusion(
    session: DbSession,
    seq: int = Query(..., description="条目序号"),
    size: int = Query(..., description="树大小（应取自签名树头）"),
) -> InclusionOut:
    return InclusionOut.of(service.inclusion_proof(session, seq, size))


@router.get("/ledger/proof/consistency", response_model=ConsistencyOut, summary="一致性证明（RFC 6962）")
def consistency(
    session: DbSession,
    first: int = Query(..., description="较早的树大小"),
    second: int = Query(..., description="较晚的树大小"),
) -> ConsistencyOut:
    return ConsistencyOut.of(service.consistency_proof(session, first, second))


@router.get(
    "/keys", response_model=list[KeyOut], summary="签名公钥（含已退役的，用于验签）", tags=["签名密钥"]
)
def public_keys(
    session: DbSession, owner: str | None = Query(None, description="platform 或 department:<ID>")
) -> list[KeyOut]:
    return [KeyOut.of(k) for k in keys.public_keys(session, owner)]


@router.post(
    "/keys/{owner}/rotate", response_model=KeyOut, summary="轮换签名密钥（管理员）", tags=["签名密钥"]
)
def rotate(owner: str, actor: ApiActor, session: DbSession) -> KeyOut:
    return KeyOut.of(keys.rotate(session, actor, owner))
