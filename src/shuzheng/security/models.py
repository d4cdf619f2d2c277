from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shuzheng.db import Base
from shuzheng.kit.clock import now


class Account(Base):
    """One account per person or enterprise (一人一号). Identifiers that are personal information are
    stored only as SM4 ciphertext plus a blind index (see security/pi.py)."""

    __tablename__ = "security_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    display_name: Mapped[str] = mapped_column(String(64))
    # Staff log in with a username; citizens with 身份证号; enterprises with 统一社会信用代码.
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_bidx: Mapped[str | None] = mapped_column(String(64), unique=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_departments.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    elder_mode: Mapped[bool] = mapped_column(default=False)

    failed_logins: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    locked_until: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=now)

    roles: Mapped[list[AccountRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AccountRole.role"
    )

    @property
    def role_names(self) -> list[str]:
        return sorted(r.role for r in self.roles)


class AccountRole(Base):
    __tablename__ = "security_account_roles"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("security_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class WebSession(Base):
    """A logged-in browser. The cookie holds a random token; only its SM3 hash is stored."""

    __tablename__ = "security_web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("security_accounts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    expires_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]


class RefreshToken(Base):
    """API refresh tokens, rotated on every use; reuse of a spent token revokes its whole family."""

    __tablename__ = "security_refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family: Mapped[str] = mapped_column(String(64), index=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("security_accounts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class SigningKey(Base):
    """An SM2 signing key of the platform or of one department (see security/keys.py, docs/keys.md).

    The private key is stored only as SM4-GCM ciphertext under the master key's "key-wrap" purpose key,
    with the key id as associated data so a blob cannot be moved to another row. Retired keys stay for
    verifying what they signed. At most one active key per owner (a partial unique index).
    """

    __tablename__ = "security_signing_keys"
    __table_args__ = (
        Index(
            "uq_security_signing_keys_active_owner",
            "owner",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)  # "platform" or "department:<id>"
    algorithm: Mapped[str] = mapped_column(String(16), default="SM2-SM3")
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # 65 bytes, 04 || x || y
    private_key_enc: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | retired
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    retired_at: Mapped[dt.datetime | None]
