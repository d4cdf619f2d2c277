"""The verifiable ledger (政务区块链): an append-only log of every decision, data access and key use,
committed to by an RFC 6962-style Merkle tree over SM3 and signed tree heads. See docs/ledger.md."""
