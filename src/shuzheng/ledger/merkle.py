"""The Merkle tree of RFC 6962 / RFC 9162 over SM3, independent of any database.

- leaf hash  = SM3(0x00 || leaf bytes)
- node hash  = SM3(0x01 || left || right)
- MTH({})    = SM3("")  (the empty string)
- MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])) with k the largest power of two smaller than n.

Storage is by *perfect subtrees*: the node at (level L, index i) is the root of the complete subtree
over leaves [i·2^L, (i+1)·2^L), level 0 being the leaf hashes themselves. Every range the RFC's
recursion ever hashes starts at a multiple of a power of two at least as large as the range's own
largest perfect block, so its hash is a right fold over O(log n) stored nodes (`range_hash`). Proofs are
lists of such range hashes, so generating one costs O(log² n) node lookups at worst and the lookups can
be fetched in one batch (`inclusion_nodes`, `consistency_nodes`).

Verification follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) step by step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"

NodeKey = tuple[int, int]  # (level, index)
NodeLookup = Callable[[int, int], bytes]
Range = tuple[int, int]  # [start, end)


# Copying a fresh SM3 object is about twice as fast as hashlib.new per call; the base is never updated,
# so sharing it between threads is safe.
_SM3 = hashlib.new("sm3")


def sm3(data: bytes) -> bytes:
    h = _SM3.copy()
    h.update(data)
    return h.digest()


EMPTY_ROOT = sm3(b"")


def hash_leaf(leaf_bytes: bytes) -> bytes:
    h = _SM3.copy()
    h.update(LEAF_PREFIX + leaf_bytes)
    return h.digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    h = _SM3.copy()
    h.update(NODE_PREFIX + left + right)
    return h.digest()


def split_point(n: int) -> int:
    """The k of RFC 6962 §2.1: the largest power of two strictly smaller than n (n >= 2)."""
    if n < 2:
        raise ValueError("split_point needs n >= 2")
    return 1 << ((n - 1).bit_length() - 1)


# --- perfect subtrees and range hashes ------------------------------------------------------------


def perfect_subtrees(start: int, end: int) -> list[NodeKey]:
    """The stored nodes whose right fold is MTH(D[start:end]), largest (leftmost) first.

    Only ranges the RFC recursion produces are accepted: the greedy aligned decomposition must give
    strictly shrinking blocks, otherwise the range is not a subtree of any Merkle tree.
    """
    if not 0 <= start < end:
        raise ValueError(f"bad range [{start}, {end})")
    keys: list[NodeKey] = []
    pos = start
    while pos < end:
        level = (end - pos).bit_length() - 1
        while pos % (1 << level):
            level -= 1
        if keys and level >= keys[-1][0]:
            raise ValueError(f"[{start}, {end}) is not a Merkle subtree range")
        keys.append((level, pos >> level))
        pos += 1 << level
    return keys


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """MTH of consecutive perfect subtrees given largest first: H(a, H(b, H(c, d)))."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = hash_children(h, acc)
    return acc


def range_hash(start: int, end: int, node: NodeLookup) -> bytes:
    return fold_right([node(level, index) for level, index in perfect_subtrees(start, end)])


def root(size: int, node: NodeLookup) -> bytes:
    return EMPTY_ROOT if size == 0 else range_hash(0, size, node)


# --- proofs, as the ranges whose hashes they list ---------------------------------------------------


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """PATH(m, D[n]) of RFC 6962 §2.1.1 as ranges, leaf side first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    ranges: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def consistency_ranges(first: int, second: int) -> list[Range]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 6962 §2.1.2 as ranges, deepest first."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    ranges: list[Range] = []
    lo, hi, m, complete = 0, second, first, True
    while True:
        if m == hi - lo:
            if not complete:
                ranges.append((lo, hi))
            break
        k = split_point(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    ranges.reverse()
    return ranges


def nodes_for(ranges: Iterable[Range]) -> set[NodeKey]:
    """Every stored node the given ranges need: fetch them in one batch, then hash."""
    return {key for start, end in ranges for key in perfect_subtrees(start, end)}


def inclusion_proof(index: int, size: int, node: NodeLookup) -> list[bytes]:
    return [range_hash(s, e, node) for s, e in inclusion_ranges(index, size)]


def consistency_proof(first: int, second: int, node: NodeLookup) -> list[bytes]:
    return [range_hash(s, e, node) for s, e in consistency_ranges(first, second)]


# --- verification (RFC 9162) ------------------------------------------------------------------------


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, path: Sequence[bytes], root_hash: bytes
) -> bool:
    """RFC 9162 §2.1.3.2."""
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
    return sn == 0 and r == root_hash


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2; equal sizes need an empty proof and equal roots."""
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


# --- the right edge of a growing tree --------------------------------------------------------------


@dataclass
class Frontier:
    """The roots of the perfect subtrees that make up a tree of `size` leaves, largest first — one per
    set bit of `size` (the "compact range" [0, size)). Appending a leaf completes 0..log n subtrees."""

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    def append(self, leaf_hash: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf; return the perfect subtrees of level >= 1 it completed as (level, index, hash)."""
        completed: list[tuple[int, int, bytes]] = []
        node, level, position = leaf_hash, 0, self.size
        while position & 1:
            node = hash_children(self.hashes.pop(), node)
            level, position = level + 1, position >> 1
            completed.append((level, position, node))
        self.hashes.append(node)
        self.size += 1
        return completed

    def root(self) -> bytes:
        return fold_right(self.hashes)

    def copy(self) -> Frontier:
        return Frontier(self.size, list(self.hashes))

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    @classmethod
    def from_bytes(cls, size: int, data: bytes) -> Frontier:
        count = size.bit_count()
        if len(data) != count * HASH_SIZE:
            raise ValueError(f"frontier of size {size} needs {count} hashes, got {len(data)} bytes")
        return cls(size, [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)])
