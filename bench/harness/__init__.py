"""Shared pieces of the benchmark, soak, chaos and malformed-input runs."""
