"""Data quality (数据质量): a 0–100 score per load and per resource from completeness, validity, key
uniqueness, consistency and timeliness; trends across versions; department rankings. See docs/quality.md."""
