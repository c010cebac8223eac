"""Realistic, deterministic demo data for the raw contract (see revops.generate)."""
