"""Benchmark programs (not tests): python -m bench.<name>."""
