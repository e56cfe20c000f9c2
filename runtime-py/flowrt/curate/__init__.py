"""Curation: per-document operations, dedup (exact, MinHash-LSH, SimHash) and decontamination."""
