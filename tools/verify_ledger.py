#!/usr/bin/env python3
"""Independent verifier of a shuzheng ledger (政务区块链 / 存证账本), for auditors and other cities.

Uses only the Python standard library (SM3 through hashlib, i.e. OpenSSL) and an SM2 verifier: the
`gmssl_pyx` package if installed, otherwise the `openssl` command (OpenSSL 3). Nothing from shuzheng is
imported: every format and algorithm is re-implemented here from docs/ledger.md.

It fetches, over the public API:
  1. the latest (or a given) signed tree head, and checks its SM2 signature;
  2. inclusion proofs for some entries, checked against the signed root (RFC 9162 §2.1.3.2);
     with --token (an account allowed to read the ledger) it also recomputes those entries' leaf
     hashes from their fields;
  3. a consistency proof from an earlier tree (--old-size/--old-root, or the head remembered in
     --state, or else the one-entry tree) to the signed one (RFC 9162 §2.1.4.2).

Exit status: 0 when every check passes, 1 when any fails (or the server cannot be reached).

    python3 tools/verify_ledger.py https://shuzheng.example.gov.cn --public-key platform.pem \\
        --state ~/.shuzheng-ledger.json --seq 0 --seq 1234
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

SIGNER_ID = b"1234567812345678"
# SubjectPublicKeyInfo header for an SM2 key: id-ecPublicKey + curve 1.2.156.10197.1.301, BIT STRING.
SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200")


# --- hashing (docs/ledger.md "Hashing") ----------------------------------------------------------


def sm3(data: bytes) -> bytes:
    return hashlib.new("sm3", data).digest()


def hash_leaf(leaf: bytes) -> bytes:
    return sm3(b"\x00" + leaf)


def hash_children(left: bytes, right: bytes) -> bytes:
    return sm3(b"\x01" + left + right)


def leaf_bytes(entry: dict[str, Any]) -> bytes:
    """docs/ledger.md "Leaf bytes"."""

    def text(value: str) -> bytes:
        data = value.encode("utf-8")
        return struct.pack(">I", len(data)) + data

    actor_id = entry["actor_id"]
    return (
        struct.pack(">BQQ", 1, entry["seq"], entry["time_us"])
        + text("" if actor_id is None else str(actor_id))
        + text(entry["actor_label"])
        + text(entry["action"])
        + text(entry["subject"])
        + bytes.fromhex(entry["payload_digest"])
    )


def tree_head_bytes(size: int, root: bytes, timestamp_ms: int) -> bytes:
    return f"shuzheng-sth-v1\n{size}\n{root.hex()}\n{timestamp_ms}\n".encode()


# --- proofs (RFC 9162) -----------------------------------------------------------------------------


def verify_inclusion(leaf_hash: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hash_children(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]
) -> bool:
    if not 0 < first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    path = list(proof)
    if not path:
        return False
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = hash_children(c, fr), hash_children(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = hash_children(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


# --- SM2 (SM3 digest, signer ID 1234567812345678, DER signature) -----------------------------------


def public_key_from_pem(pem: str) -> bytes:
    body = "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))
    der = base64.b64decode(body)
    if not der.startswith(SPKI_PREFIX) or len(der) != len(SPKI_PREFIX) + 65 or der[-65] != 4:
        raise ValueError("not an SM2 SubjectPublicKeyInfo PEM")
    return der[-65:]


def public_key_to_pem(public_key: bytes) -> str:
    b64 = base64.b64encode(SPKI_PREFIX + public_key).decode()
    return (
        "-----BEGIN PUBLIC KEY-----\n"
        + "\n".join(b64[i : i + 64] for i in range(0, len(b64), 64))
        + "\n-----END PUBLIC KEY-----\n"
    )


def sm2_verify(public_key: bytes, message: bytes, signature: bytes, backend: str) -> bool:
    if backend == "gmssl":
        import gmssl_pyx

        try:
            return bool(gmssl_pyx.sm2_verify(public_key[1:], message, signature, SIGNER_ID))
        except Exception:
            return False
    with tempfile.TemporaryDirectory() as tmp:
        paths = {name: os.path.join(tmp, name) for name in ("key.pem", "message", "signature")}
        with open(paths["key.pem"], "w") as f:
            f.write(public_key_to_pem(public_key))
        with open(paths["message"], "wb") as f:
            f.write(message)
        with open(paths["signature"], "wb") as f:
            f.write(signature)
        command = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", paths["key.pem"], "-rawin"]
        command += ["-digest", "sm3", "-pkeyopt", f"distid:{SIGNER_ID.decode()}"]
        command += ["-in", paths["message"], "-sigfile", paths["signature"]]
        return subprocess.run(command, capture_output=True, check=False).returncode == 0


def pick_backend(choice: str) -> str:
    if choice != "auto":
        return choice
    try:
        import gmssl_pyx  # noqa: F401
    except ImportError:
        if shutil.which("openssl") is None:
            raise SystemExit("需要 SM2 验签工具：pip install gmssl-pyx，或安装 OpenSSL 3 命令行") from None
        return "openssl"
    return "gmssl"


# --- the checks ------------------------------------------------------------------------------------


class Verifier:
    def __init__(self, base_url: str, *, token: str | None, backend: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.backend = backend
        self.timeout = timeout
        self.failures = 0

    def get(self, path: str, params: dict[str, Any] | None = None, *, auth: bool = False) -> Any:
        url = self.base_url + path + ("?" + urllib.parse.urlencode(params) if params else "")
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        if auth and self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.load(response)
        except urllib.error.HTTPError as err:
            try:
                message = json.load(err)["error"]["message"]
            except Exception:
                message = err.reason
            raise CheckError(f"{url} → HTTP {err.code}：{message}") from None
        except (urllib.error.URLError, OSError) as err:
            raise CheckError(f"无法连接 {url}：{err}") from None

    def report(self, ok: bool, text: str) -> bool:
        print(("✓ " if ok else "✗ ") + text)
        if not ok:
            self.failures += 1
        return ok

    def tree_head(self, size: int | None, public_key: bytes | None) -> tuple[int, bytes] | None:
        head = self.get("/api/ledger/sth" if size is None else f"/api/ledger/sth/{size}")
        tree_size, root = int(head["tree_size"]), bytes.fromhex(head["root_hash"])
        message = tree_head_bytes(tree_size, root, int(head["timestamp_ms"]))
        if head.get("signed_message") not in (None, message.decode()):
            self.report(False, f"树头 {tree_size}：服务器给出的 signed_message 与按规范重建的不一致")
        if public_key is None:
            keys = {k["key_id"]: k for k in self.get("/api/keys")}
            if head["key_id"] not in keys:
                self.report(False, f"树头 {tree_size}：签名密钥 {head['key_id']} 不在公钥列表中")
                return None
            public_key = bytes.fromhex(keys[head["key_id"]]["public_key_hex"])
            print(f"  （注意：公钥 {head['key_id']} 取自同一服务器；请用 --public-key 固定可信公钥）")
        signed = sm2_verify(public_key, message, base64.b64decode(head["signature"]), self.backend)
        if not self.report(
            signed, f"签名树头：大小 {tree_size}，根 {root.hex()}，密钥 {head['key_id']}，SM2 签名有效"
        ):
            return None
        return tree_size, root

    def inclusion(self, seq: int, size: int, root: bytes) -> bytes | None:
        proof = self.get("/api/ledger/proof/inclusion", {"seq": seq, "size": size})
        leaf_hash = bytes.fromhex(proof["leaf_hash"])
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
        if self.token:
            entry = self.get(f"/api/ledger/entries/{seq}", auth=True)
            digest_ok = sm3(entry["payload_json"].encode("utf-8")).hex() == entry["payload_digest"]
            leaf_ok = hash_leaf(leaf_bytes(entry)) == leaf_hash and entry["seq"] == seq
            self.report(digest_ok and leaf_ok, f"条目 {seq}：由字段重算的载荷摘要与叶子哈希一致")
        ok = verify_inclusion(leaf_hash, seq, size, path, root)
        self.report(ok, f"包含性证明：条目 {seq} 在大小为 {size} 的树中（路径长 {len(path)}）")
        return leaf_hash if ok else None

    def consistency(self, first: int, first_root: bytes, second: int, second_root: bytes) -> bool:
        proof = self.get("/api/ledger/proof/consistency", {"first": first, "second": second})
        path = [bytes.fromhex(h) for h in proof["proof"]]
        ok = verify_consistency(first, second, first_root, second_root, path)
        return self.report(
            ok, f"一致性证明：大小 {second} 的树是大小 {first} 的树的追加（证明长 {len(path)}）"
        )


class CheckError(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="独立校验 shuzheng 存证账本：签名树头、包含性证明、一致性证明"
    )
    parser.add_argument("url", help="平台地址，如 https://shuzheng.example.gov.cn")
    parser.add_argument("--size", type=int, help="校验该大小的签名树头（缺省：最新）")
    parser.add_argument(
        "--seq", type=int, action="append", help="要证明包含性的条目序号，可重复（缺省：首条和末条）"
    )
    parser.add_argument("--old-size", type=int, help="较早的树大小，用于一致性证明")
    parser.add_argument("--old-root", help="较早树的根哈希（十六进制）；缺省取服务器上该大小的签名树头并验签")
    parser.add_argument("--public-key", help="平台签名公钥 PEM 文件（固定可信公钥）")
    parser.add_argument("--token", help="有账本查看权限的访问令牌：用于由条目字段重算叶子哈希")
    parser.add_argument("--state", help="记住上次校验通过的树头的 JSON 文件；下次据此做一致性证明")
    parser.add_argument("--sm2", choices=("auto", "gmssl", "openssl"), default="auto", help="SM2 验签方式")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)

    public_key = None
    if args.public_key:
        with open(args.public_key) as f:
            public_key = public_key_from_pem(f.read())
    verifier = Verifier(args.url, token=args.token, backend=pick_backend(args.sm2), timeout=args.timeout)
    try:
        ok = run(verifier, args, public_key)
    except CheckError as err:
        verifier.report(False, str(err))
        ok = False
    ok = ok and verifier.failures == 0
    print("结论：账本校验通过" if ok else f"结论：校验失败（{verifier.failures} 项）")
    return 0 if ok else 1


def run(verifier: Verifier, args: argparse.Namespace, public_key: bytes | None) -> bool:
    head = verifier.tree_head(args.size, public_key)
    if head is None:
        return False
    size, root = head
    seqs = args.seq or sorted({0, size - 1})
    leaf_zero = None
    for seq in seqs:
        leaf = verifier.inclusion(seq, size, root)
        if seq == 0:
            leaf_zero = leaf
    old = earlier_tree(verifier, args, public_key, leaf_zero, size, root)
    if old is None:
        return False
    old_size, old_root = old
    if old_size > size:
        return verifier.report(False, f"较早的树（{old_size}）比当前签名树头（{size}）还大：账本被截断或回滚")
    if not verifier.consistency(old_size, old_root, size, root):
        return False
    if args.state:
        with open(args.state, "w") as f:
            json.dump({"url": verifier.base_url, "tree_size": size, "root_hash": root.hex()}, f)
    return True


def earlier_tree(
    verifier: Verifier,
    args: argparse.Namespace,
    public_key: bytes | None,
    leaf_zero: bytes | None,
    size: int,
    root: bytes,
) -> tuple[int, bytes] | None:
    """The tree to prove consistency from: given, remembered, or the tree of the first entry alone."""
    if args.old_size is not None:
        if args.old_root:
            return args.old_size, bytes.fromhex(args.old_root)
        return verifier.tree_head(args.old_size, public_key)
    if args.state and os.path.exists(args.state):
        with open(args.state) as f:
            state = json.load(f)
        print(f"  上次校验通过的树头：大小 {state['tree_size']}，根 {state['root_hash']}")
        return int(state["tree_size"]), bytes.fromhex(state["root_hash"])
    if leaf_zero is None:
        leaf_zero = verifier.inclusion(0, size, root)
    if leaf_zero is None:
        return None
    return 1, leaf_zero  # MTH of a one-entry tree is its leaf hash


if __name__ == "__main__":
    sys.exit(main())
