"""The Merkle algorithms against a literal, recursive transcription of RFC 6962 §2.1, for every tree size
1..70 and every index, plus the RFC 9162 verifiers rejecting anything altered."""

from __future__ import annotations

import hashlib

import pytest

from shuzheng.ledger import merkle

MAX_SIZE = 70


def _h(data: bytes) -> bytes:
    return hashlib.new("sm3", data).digest()


LEAVES = [f"entry {i}".encode() for i in range(MAX_SIZE)]


# --- the RFC, literally ---------------------------------------------------------------------------


def naive_mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return _h(b"")
    if n == 1:
        return _h(b"\x00" + d[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return _h(b"\x01" + naive_mth(d[:k]) + naive_mth(d[k:]))


def naive_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*naive_path(m, d[:k]), naive_mth(d[k:])]
    return [*naive_path(m - k, d[k:]), naive_mth(d[:k])]


def naive_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [naive_mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*naive_subproof(m, d[:k], b), naive_mth(d[k:])]
    return [*naive_subproof(m - k, d[k:], False), naive_mth(d[:k])]


# --- the node store the tree keeps ----------------------------------------------------------------


def node_store(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    """Every perfect subtree, built by appending leaf after leaf to a Frontier, as the ledger does."""
    store: dict[tuple[int, int], bytes] = {}
    frontier = merkle.Frontier()
    for i, leaf in enumerate(leaves):
        leaf_hash = merkle.hash_leaf(leaf)
        store[(0, i)] = leaf_hash
        for level, index, h in frontier.append(leaf_hash):
            store[(level, index)] = h
    return store


STORE = node_store(LEAVES)


def lookup(level: int, index: int) -> bytes:
    return STORE[(level, index)]


def test_stored_nodes_are_exactly_the_perfect_subtrees() -> None:
    for (level, index), h in STORE.items():
        assert h == naive_mth(LEAVES[index << level : (index + 1) << level])
    assert len(STORE) == sum(MAX_SIZE >> level for level in range(MAX_SIZE.bit_length()))


@pytest.mark.parametrize("size", range(MAX_SIZE + 1))
def test_roots_agree_with_the_rfc(size: int) -> None:
    expected = naive_mth(LEAVES[:size])
    assert merkle.root(size, lookup) == expected
    frontier = merkle.Frontier()
    for leaf in LEAVES[:size]:
        frontier.append(merkle.hash_leaf(leaf))
    assert frontier.root() == expected
    assert merkle.Frontier.from_bytes(size, frontier.to_bytes()).root() == expected


def test_empty_tree_root_is_sm3_of_nothing() -> None:
    assert merkle.EMPTY_ROOT.hex() == "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_inclusion_proofs_agree_with_the_rfc_and_verify(size: int) -> None:
    tree = LEAVES[:size]
    root = naive_mth(tree)
    for m in range(size):
        path = merkle.inclusion_proof(m, size, lookup)
        assert path == naive_path(m, tree)
        leaf_hash = merkle.hash_leaf(tree[m])
        assert merkle.verify_inclusion(leaf_hash, m, size, path, root)
        # Wrong leaf, wrong index, wrong size, altered or truncated path: all rejected.
        assert not merkle.verify_inclusion(merkle.hash_leaf(b"other"), m, size, path, root)
        if size > 1:
            assert not merkle.verify_inclusion(leaf_hash, (m + 1) % size, size, path, root)
            bad = list(path)
            bad[-1] = bytes(32)
            assert not merkle.verify_inclusion(leaf_hash, m, size, bad, root)
            assert not merkle.verify_inclusion(leaf_hash, m, size, path[:-1], root)
        assert not merkle.verify_inclusion(leaf_hash, m, size, [*path, root], root)


@pytest.mark.parametrize("second", range(1, MAX_SIZE + 1))
def test_consistency_proofs_agree_with_the_rfc_and_verify(second: int) -> None:
    new_root = naive_mth(LEAVES[:second])
    for first in range(1, second + 1):
        old_root = naive_mth(LEAVES[:first])
        proof = merkle.consistency_proof(first, second, lookup)
        assert proof == naive_subproof(first, LEAVES[:second], True)
        assert merkle.verify_consistency(first, second, old_root, new_root, proof)
        forged_old = naive_mth([b"forged", *LEAVES[1:first]])
        assert not merkle.verify_consistency(first, second, forged_old, new_root, proof)
        if first < second:
            assert not merkle.verify_consistency(first, second, old_root, new_root, proof[:-1])
            assert not merkle.verify_consistency(first, second, old_root, bytes(32), proof)
            tampered = [bytes(32), *proof[1:]]
            assert not merkle.verify_consistency(first, second, old_root, new_root, tampered)


def test_out_of_range_requests_are_refused() -> None:
    for index, size in [(-1, 3), (3, 3), (0, 0)]:
        with pytest.raises(ValueError):
            merkle.inclusion_ranges(index, size)
    for first, second in [(0, 3), (4, 3), (-1, 2)]:
        with pytest.raises(ValueError):
            merkle.consistency_ranges(first, second)
    with pytest.raises(ValueError, match="not a Merkle subtree"):
        merkle.perfect_subtrees(1, 4)  # [1, 2) + [2, 4): sizes grow, no tree has this node


def test_proofs_need_logarithmically_many_nodes() -> None:
    size = 1_000_000
    for index in (0, 1, 524_287, 999_999):
        assert len(merkle.nodes_for(merkle.inclusion_ranges(index, size))) <= 2 * size.bit_length()
    for first in (1, 3, 524_288, 999_998):
        nodes = merkle.nodes_for(merkle.consistency_ranges(first, size))
        assert len(nodes) <= 2 * size.bit_length() ** 2
