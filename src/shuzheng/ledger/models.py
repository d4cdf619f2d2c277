"""Ledger tables. Rows are only ever inserted (and `ledger_state` updated) by ledger/service.py."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shuzheng.db import Base
from shuzheng.kit.clock import now


class LedgerEntry(Base):
    """One record. `leaf_hash` = SM3(0x00 || leaf bytes), the leaf bytes being defined in
    ledger/service.py `leaf_bytes` and docs/ledger.md."""

    __tablename__ = "ledger_entries"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    time: Mapped[dt.datetime]
    # The account that acted, if any (no foreign key: evidence outlives what it describes).
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_label: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200), index=True)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON
    payload_digest: Mapped[str] = mapped_column(String(64))  # SM3 hex of the payload's UTF-8 bytes
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerNode(Base):
    """The hash of the perfect subtree over leaves [idx·2^level, (idx+1)·2^level), level >= 1.
    (Level 0 is `ledger_entries.leaf_hash`.)"""

    __tablename__ = "ledger_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerState(Base):
    """A single row (id = 1): the ledger's size and the right edge of its tree. Appenders lock it, which
    makes sequence numbers gapless and the tree fork-free; a rolled-back append rolls it back too."""

    __tablename__ = "ledger_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    # The roots of the perfect subtrees covering [0, size), largest first, concatenated (32 bytes each).
    frontier: Mapped[bytes] = mapped_column(LargeBinary)


class TreeHead(Base):
    """A signed tree head (STH). One per tree size; the signed bytes are `tree_head_bytes`."""

    __tablename__ = "ledger_tree_heads"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary)
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class Witness(Base):
    """Another node (e.g. the provincial platform) that cosigns our tree heads with its SM2 key."""

    __tablename__ = "ledger_witnesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=now)


class Cosignature(Base):
    __tablename__ = "ledger_cosignatures"

    tree_size: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_tree_heads.tree_size"), primary_key=True, autoincrement=False
    )
    witness_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_witnesses.id"), primary_key=True, autoincrement=False
    )
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
