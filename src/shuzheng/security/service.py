"""Accounts and login: registration, staff accounts, roles, throttled authentication, web sessions and
API tokens. Every function takes the session; none commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from shuzheng.config import get_settings
from shuzheng.errors import (
    Conflict,
    DomainError,
    Locked,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    TooManyRequests,
    field_error,
)
from shuzheng.kit import clock
from shuzheng.kit.identifiers import validate_id_number, validate_phone, validate_uscc
from shuzheng.kit.ids import token
from shuzheng.ledger import service as ledger
from shuzheng.org import service as org
from shuzheng.security import pi
from shuzheng.security.crypto.sm3 import hmac_sm3, sm3_hex
from shuzheng.security.master import purpose_key
from shuzheng.security.models import Account, AccountRole, RefreshToken, WebSession
from shuzheng.security.passwords import check_policy, hash_password, verify_password
from shuzheng.security.roles import STAFF_ROLES, AccountKind, Actor, Perm, Role, require

JWT_ALGORITHM = "HS256"
JWT_ISSUER = "shuzheng"


# ---------------------------------------------------------------- trace


def _subject(account: Account) -> str:
    return f"account:{account.id}"


def _as_actor(account: Account) -> Actor:
    """The account acting for itself (login, logout): no department scope needed for a trace."""
    return Actor(
        account_id=account.id,
        kind=AccountKind(account.kind),
        display_name=account.display_name,
        roles=frozenset(Role(r) for r in account.role_names),
        department_id=account.department_id,
    )


def _trace(session: Session, action: str, account: Account, actor: Actor | None, **payload: object) -> None:
    """Append the account event to the ledger in the caller's transaction."""
    ledger.append(
        session,
        action=action,
        subject=_subject(account),
        payload={"kind": account.kind, **payload},
        actor=actor,
        actor_label=None if actor is not None else "bootstrap",
    )


def _login_fingerprint(login: str) -> str:
    """A keyed hash of a login name nobody owns, so repeated guesses can be correlated without storing
    what was typed (it may be someone's 身份证号)."""
    return hmac_sm3(purpose_key("ledger-login-fingerprint"), login.strip().lower().encode()).hex()[:32]


# ---------------------------------------------------------------- accounts


def _clean_name(name: str, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise field_error(field, "不能为空")
    if len(name) > 64:
        raise field_error(field, "不能超过64个字")
    return name


def register_citizen(
    session: Session,
    *,
    name: str,
    id_number: str,
    password: str | None = None,
    phone: str | None = None,
    password_hash: str | None = None,
) -> Account:
    name = _clean_name(name)
    number = validate_id_number(id_number)
    hashed = _password_hash_for(password, password_hash)
    protected = pi.protect(pi.PIKind.ID_NUMBER, number)
    if session.scalar(select(Account.id).where(Account.id_number_bidx == protected.blind_index)):
        raise Conflict("该身份证号已注册，请直接登录", code="account_exists")
    account = Account(
        kind=AccountKind.CITIZEN.value,
        display_name=name,
        id_number_enc=protected.ciphertext,
        id_number_bidx=protected.blind_index,
        password_hash=hashed,
    )
    return _register(session, account, Role.CITIZEN, phone, id_number=pi.mask(pi.PIKind.ID_NUMBER, number))


def register_enterprise(
    session: Session,
    *,
    name: str,
    uscc: str,
    password: str | None = None,
    phone: str | None = None,
    password_hash: str | None = None,
) -> Account:
    name = _clean_name(name)
    code = validate_uscc(uscc)
    hashed = _password_hash_for(password, password_hash)
    if session.scalar(select(Account.id).where(Account.uscc == code)):
        raise Conflict("该统一社会信用代码已注册，请直接登录", code="account_exists")
    account = Account(kind=AccountKind.ENTERPRISE.value, display_name=name, uscc=code, password_hash=hashed)
    return _register(session, account, Role.ENTERPRISE, phone, uscc=code)


def _register(session: Session, account: Account, role: Role, phone: str | None, **traced: str) -> Account:
    """Finish a self-registration: phone, role, insert, and the ledger entry (identifiers masked)."""
    _set_phone(account, phone)
    account.roles = [AccountRole(role=role.value)]
    session.add(account)
    session.flush()
    ledger.append(
        session,
        action="account.register",
        subject=_subject(account),
        payload={"kind": account.kind, **traced},
        actor=_as_actor(account),
    )
    return account


def _password_hash_for(password: str | None, password_hash: str | None) -> str:
    """Hash a password that passes the policy; or accept an argon2 hash from a bootstrap loader (the demo
    hashes its one public password once instead of once per account)."""
    if password_hash is not None:
        if not password_hash.startswith("$argon2"):
            raise field_error("password_hash", "应为 argon2 密码哈希")
        return password_hash
    check_policy(password or "")
    return hash_password(password or "")


def _set_phone(account: Account, phone: str | None) -> None:
    if phone:
        protected = pi.protect(pi.PIKind.PHONE, validate_phone(phone))
        account.phone_enc, account.phone_bidx = protected.ciphertext, protected.blind_index


def _parse_staff_roles(roles: Iterable[str]) -> list[Role]:
    parsed: list[Role] = []
    for name in roles:
        try:
            role = Role(name)
        except ValueError:
            raise field_error("roles", f"未知角色：{name}") from None
        if role not in STAFF_ROLES:
            raise field_error("roles", f"工作人员不能拥有该角色：{name}")
        if role not in parsed:
            parsed.append(role)
    if not parsed:
        raise field_error("roles", "至少需要一个角色")
    return parsed


def create_staff(
    session: Session,
    actor: Actor | None,
    *,
    username: str,
    display_name: str,
    department_id: int,
    roles: Iterable[str],
    password: str | None = None,
    password_hash: str | None = None,
) -> Account:
    """Create a staff account in one department. `actor=None` is the bootstrap path (CLI on the server,
    demo loader); otherwise the actor must be allowed to manage accounts of that department."""
    if actor is not None:
        require(actor, Perm.ACCOUNTS_MANAGE, department=department_id)
        if password_hash is not None:
            raise PermissionDenied("只有初始化程序可以直接写入密码哈希")
    username = (username or "").strip().lower()
    if not username or not username.replace("_", "").replace(".", "").isalnum() or not username.isascii():
        raise field_error("username", "用户名只能包含英文字母、数字、下划线和点")
    display_name = _clean_name(display_name, "display_name")
    parsed_roles = _parse_staff_roles(roles)
    org.get_department(session, department_id)
    hashed = _password_hash_for(password, password_hash)
    if session.scalar(select(Account.id).where(Account.username == username)):
        raise Conflict(f"用户名已存在：{username}", code="account_exists")
    account = Account(
        kind=AccountKind.STAFF.value,
        username=username,
        display_name=display_name,
        department_id=department_id,
        password_hash=hashed,
    )
    account.roles = [AccountRole(role=r.value) for r in parsed_roles]
    session.add(account)
    session.flush()
    _trace(
        session,
        "account.create",
        account,
        actor,
        username=username,
        department_id=department_id,
        roles=account.role_names,
    )
    return account


def set_roles(session: Session, actor: Actor, account_id: int, roles: Iterable[str]) -> Account:
    account = get_account(session, account_id)
    if account.kind != AccountKind.STAFF.value:
        raise field_error("roles", "只能调整工作人员的角色")
    require(actor, Perm.ACCOUNTS_MANAGE, department=account.department_id)
    parsed = _parse_staff_roles(roles)
    if (
        account.id == actor.account_id
        and Role.PLATFORM_ADMIN.value in account.role_names
        and (Role.PLATFORM_ADMIN not in parsed)
    ):
        raise PermissionDenied("不能撤销自己的平台管理员角色")
    before = account.role_names
    account.roles = [AccountRole(role=r.value) for r in parsed]
    session.flush()
    _trace(session, "account.roles_change", account, actor, before=before, after=account.role_names)
    return account


def get_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"账号不存在：{account_id}")
    return account


def list_staff(session: Session, actor: Actor) -> list[Account]:
    require(actor, Perm.ACCOUNTS_MANAGE)
    query = select(Account).where(Account.kind == AccountKind.STAFF.value).order_by(Account.id)
    return [a for a in session.scalars(query) if actor.can(Perm.ACCOUNTS_MANAGE, department=a.department_id)]


def count_accounts(session: Session, actor: Actor) -> dict[str, int]:
    """How many accounts of each kind (citizen, enterprise, staff) the platform has."""
    from sqlalchemy import func

    require(actor, Perm.ACCOUNTS_MANAGE)
    rows = session.execute(select(Account.kind, func.count()).group_by(Account.kind)).all()
    return {kind.value: 0 for kind in AccountKind} | {kind: count for kind, count in rows}


def find_account_by_login(session: Session, login: str) -> Account | None:
    """Staff log in with a username, citizens with 身份证号, enterprises with 统一社会信用代码."""
    login = (login or "").strip()
    if len(login) == 18:
        compact = login.upper()
        by_id = session.scalar(
            select(Account).where(Account.id_number_bidx == pi.blind_index(pi.PIKind.ID_NUMBER, compact))
        )
        if by_id is not None:
            return by_id
        by_uscc = session.scalar(select(Account).where(Account.uscc == compact))
        if by_uscc is not None:
            return by_uscc
    return session.scalar(select(Account).where(Account.username == login.lower()))


def actor_for(session: Session, account: Account) -> Actor:
    scope = org.subtree_ids(session, account.department_id) if account.department_id else frozenset()
    return Actor(
        account_id=account.id,
        kind=AccountKind(account.kind),
        display_name=account.display_name,
        roles=frozenset(Role(r) for r in account.role_names),
        department_id=account.department_id,
        scope=scope,
    )


def masked_id_number(account: Account) -> str:
    return pi.reveal_masked(pi.PIKind.ID_NUMBER, account.id_number_enc)


def masked_phone(account: Account) -> str:
    return pi.reveal_masked(pi.PIKind.PHONE, account.phone_enc)


def set_elder_mode(session: Session, actor: Actor, enabled: bool) -> None:
    get_account(session, actor.account_id).elder_mode = enabled
    session.flush()


# ---------------------------------------------------------------- authentication


@dataclass
class LoginResult:
    """The outcome of a login attempt. A failure is returned, not raised, so the caller commits the
    failure counter (and its trace) before reporting the error."""

    account: Account | None
    error: DomainError | None = None


def authenticate(session: Session, login: str, password: str, *, channel: str = "api") -> LoginResult:
    """Check a login. Success and every failure are traced in the ledger (`channel`: web or api)."""
    settings = get_settings()
    t = clock.now()
    account = find_account_by_login(session, login)
    error = _refusal_before_password(account, t)
    if error is None and not verify_password(account.password_hash if account else None, password):
        if account is not None:
            _count_failure(
                account,
                t,
                settings.login_slowdown_after,
                settings.login_lock_after,
                settings.login_lock_minutes,
            )
        error = NotAuthenticated("账号或密码错误", code="invalid_credentials")
    elif error is None and account is not None and not account.active:
        error = NotAuthenticated("账号已停用，请联系管理员", code="account_disabled")
    if error is not None:
        _trace_failed_login(session, account, login, error, channel)
        return LoginResult(account, error)
    assert account is not None  # a verified password implies an account
    account.failed_logins = 0
    account.next_attempt_at = None
    account.locked_until = None
    account.last_login_at = t
    session.flush()
    _trace(session, "account.login", account, _as_actor(account), channel=channel)
    return LoginResult(account)


def _refusal_before_password(account: Account | None, t: dt.datetime) -> DomainError | None:
    """A locked or throttled account is refused before its password is even checked."""
    if account is None:
        return None
    if account.locked_until and account.locked_until > t:
        minutes = max(1, int((account.locked_until - t).total_seconds() // 60) + 1)
        return Locked(f"连续登录失败次数过多，账号已锁定，请{minutes}分钟后再试")
    if account.next_attempt_at and account.next_attempt_at > t:
        wait = max(1, int((account.next_attempt_at - t).total_seconds() + 0.999))
        return TooManyRequests(f"登录失败次数较多，请{wait}秒后再试", retry_after=wait)
    return None


def _trace_failed_login(
    session: Session, account: Account | None, login: str, error: DomainError, channel: str
) -> None:
    session.flush()
    if account is None:
        ledger.append(
            session,
            action="account.login_failed",
            subject="account:unknown",
            payload={
                "reason": error.code,
                "channel": channel,
                "login_fingerprint": _login_fingerprint(login),
            },
            actor_label="anonymous",
        )
        return
    _trace(
        session,
        "account.login_failed",
        account,
        None,
        reason=error.code,
        channel=channel,
        failed_logins=account.failed_logins,
        locked=bool(account.locked_until and account.locked_until > clock.now()),
    )


def _count_failure(
    account: Account, t: dt.datetime, slowdown_after: int, lock_after: int, lock_minutes: int
) -> None:
    account.failed_logins += 1
    n = account.failed_logins
    if n >= lock_after:
        account.locked_until = t + dt.timedelta(minutes=lock_minutes)
        account.failed_logins = 0
        account.next_attempt_at = None
    elif n >= slowdown_after:
        account.next_attempt_at = t + dt.timedelta(seconds=2 ** (n - slowdown_after + 1))


def unlock(session: Session, actor: Actor, account_id: int) -> Account:
    account = get_account(session, account_id)
    require(actor, Perm.ACCOUNTS_MANAGE, department=account.department_id)
    account.failed_logins, account.next_attempt_at, account.locked_until = 0, None, None
    session.flush()
    _trace(session, "account.unlock", account, actor)
    return account


# ---------------------------------------------------------------- web sessions (cookie)


def start_web_session(session: Session, account: Account) -> str:
    raw = token()
    hours = get_settings().web_session_hours
    session.add(
        WebSession(
            token_hash=sm3_hex(raw.encode()),
            account_id=account.id,
            expires_at=clock.now() + dt.timedelta(hours=hours),
        )
    )
    session.flush()
    return raw


def resolve_web_session(session: Session, raw: str | None) -> Account | None:
    if not raw:
        return None
    ws = session.get(WebSession, sm3_hex(raw.encode()))
    if ws is None or ws.ended_at is not None or ws.expires_at <= clock.now():
        return None
    account = session.get(Account, ws.account_id)
    return account if account is not None and account.active else None


def end_web_session(session: Session, raw: str | None) -> None:
    if not raw:
        return
    ws = session.get(WebSession, sm3_hex(raw.encode()))
    if ws is not None and ws.ended_at is None:
        ws.ended_at = clock.now()
        session.flush()
        account = session.get(Account, ws.account_id)
        if account is not None:
            _trace(session, "account.logout", account, _as_actor(account))


# ---------------------------------------------------------------- API tokens (JWT + rotating refresh)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"


def issue_tokens(session: Session, account: Account, *, family: str | None = None) -> TokenPair:
    settings = get_settings()
    t = clock.now()
    lifetime = dt.timedelta(minutes=settings.access_token_minutes)
    claims = {
        "iss": JWT_ISSUER,
        "sub": str(account.id),
        "kind": account.kind,
        "roles": account.role_names,
        "iat": int(t.timestamp()),
        "exp": int((t + lifetime).timestamp()),
        "jti": token(12),
        "typ": "access",
    }
    access = jwt.encode(claims, purpose_key("jwt"), algorithm=JWT_ALGORITHM)
    raw_refresh = token()
    session.add(
        RefreshToken(
            token_hash=sm3_hex(raw_refresh.encode()),
            family=family or token(16),
            account_id=account.id,
            expires_at=t + dt.timedelta(days=settings.refresh_token_days),
        )
    )
    session.flush()
    return TokenPair(access, raw_refresh, int(lifetime.total_seconds()))


def refresh_tokens(session: Session, raw_refresh: str) -> TokenPair:
    t = clock.now()
    stored = session.get(RefreshToken, sm3_hex((raw_refresh or "").encode()))
    if stored is None or stored.revoked_at is not None or stored.expires_at <= t:
        raise NotAuthenticated("刷新令牌无效或已过期，请重新登录", code="invalid_refresh_token")
    if stored.used_at is not None:
        # A spent token presented again means it was stolen: end the whole family.
        for member in session.scalars(select(RefreshToken).where(RefreshToken.family == stored.family)):
            member.revoked_at = member.revoked_at or t
        session.flush()
        reused_by = session.get(Account, stored.account_id)
        if reused_by is not None:
            _trace(session, "account.refresh_token_reused", reused_by, None, family=stored.family[:12])
        raise NotAuthenticated(
            "刷新令牌已被使用，为安全起见已注销该登录，请重新登录", code="refresh_token_reused"
        )
    account = session.get(Account, stored.account_id)
    if account is None or not account.active:
        raise NotAuthenticated("账号已停用", code="account_disabled")
    stored.used_at = t
    return issue_tokens(session, account, family=stored.family)


def account_from_access_token(session: Session, raw: str) -> Account:
    try:
        claims = jwt.decode(
            raw,
            purpose_key("jwt"),
            algorithms=[JWT_ALGORITHM],
            issuer=JWT_ISSUER,
            # Time claims are checked below against the platform clock, the one tokens are issued with.
            options={"require": ["exp", "sub", "typ"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        raise NotAuthenticated("访问令牌无效", code="invalid_token") from None
    if claims.get("typ") != "access":
        raise NotAuthenticated("访问令牌无效", code="invalid_token")
    if not isinstance(claims["exp"], int | float) or claims["exp"] <= clock.now().timestamp():
        raise NotAuthenticated("访问令牌已过期，请刷新", code="token_expired")
    account = session.get(Account, int(claims["sub"]))
    if account is None or not account.active:
        raise NotAuthenticated("账号已停用", code="account_disabled")
    return account
