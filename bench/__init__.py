"""Benchmarks: each script builds its data, measures, and prints its figures (medians, p95)."""
