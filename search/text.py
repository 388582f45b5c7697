"""Chinese-aware tokenization, done once in Python so every search backend sees the same tokens.

rjieba is jieba's algorithm and dictionary in Rust: the same tokens as the jieba package,
about ten times faster, which matters for bulk imports and indexing.
"""

import math
import re
from functools import lru_cache
from pathlib import Path

import rjieba

# Punctuation, whitespace, symbols and single Latin letters carry no meaning for search.
_NOISE = re.compile(r"^[\W_]+$|^[a-z]$", re.UNICODE)
_STOPWORDS = frozenset(
    "的 了 和 与 及 或 在 是 对 为 以 等 中 将 把 被 并 其 该 这 那 有 于 从 到 也 就 都 而 "
    "a an and are as at be by for from in is it of on or that the to with".split()
)


def tokenize(text):
    """Lower-cased jieba tokens of `text` (search-engine mode), without punctuation or stopwords."""
    tokens = []
    for token in rjieba.cut_for_search(text.lower()):
        token = token.strip()
        if token and token not in _STOPWORDS and not _NOISE.match(token):
            tokens.append(token)
    return tokens


def query_words(query, limit=8):
    """The distinct words of a typed query, cut as the index cuts Chinese: a filter that wants
    every word finds 锂电池性能检测 for 电池检测, where the whole string would not."""
    return list(dict.fromkeys(tokenize(query)))[:limit]


# Numbers and quantities ("1.5", "200", "30%", "5kg", "1:2"): shared by chance, not by meaning.
# "5g" stays: on a technology market it is the network far more often than five grams.
_QUANTITY = re.compile(
    r"^[\d.,:/%‰~+\-×]+"
    r"(?:kg|mg|mm|cm|km|nm|μm|um|m|kw|mw|w|kv|v|mah|ma|a|kpa|mpa|pa|t|ml|l|min|h|s|hz|khz|mhz|db"
    r"|%|‰|℃|°)?$"
)
GENERIC_TERMS_FILE = Path(__file__).with_name("generic_terms_zh.txt")


@lru_cache(maxsize=1)
def generic_terms():
    lines = GENERIC_TERMS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(word for line in lines if not line.startswith("#") for word in line.split())


def is_key_term(token):
    """Whether a token can tell a reader why two texts match: two characters or more, not a
    quantity, not a word every listing uses."""
    return len(token) > 1 and not _QUANTITY.match(token) and token not in generic_terms()


def idf(document_frequency, documents):
    """BM25's inverse document frequency: rare terms weigh more, none weighs less than 0."""
    return math.log(1 + (documents - document_frequency + 0.5) / (document_frequency + 0.5))
