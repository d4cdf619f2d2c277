"""Loading department data into the lake (汇聚): readers for CSV, Excel, JSON Lines, Parquet and
department databases; vectorised normalisation and validation against the catalog; atomic, idempotent,
versioned Parquet datasets. See docs/ingest.md."""
