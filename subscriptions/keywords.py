"""Keyword phrases: how a subscription's keywords are split, tokenized and matched.

"锂电池回收；固态电池" is two phrases. A listing matches when its search text holds every
token of at least one phrase — the same jieba tokens (search.text.tokenize) that the
listing's search_text was made of, so a phrase matches what the site search would find.
"""

import re

from search.text import tokenize

# ASCII and full-width commas and semicolons, the enumeration comma (、) and line breaks.
_SEPARATORS = re.compile(r"[,，;；、\r\n]+")


def keyword_phrases(text):
    """The distinct, non-empty phrases of `text`, in the order written."""
    phrases = (" ".join(part.split()) for part in _SEPARATORS.split(text or ""))
    return list(dict.fromkeys(phrase for phrase in phrases if phrase))


def phrase_tokens(phrase):
    """The distinct tokens of one phrase (empty if it holds only stopwords or punctuation)."""
    return list(dict.fromkeys(tokenize(phrase)))


def keywords_match(keyword_tokens, search_text):
    """True if no keywords are set, or the text has every token of any one phrase."""
    if not keyword_tokens:
        return True
    tokens = set(search_text.split())
    return any(phrase and tokens.issuperset(phrase) for phrase in keyword_tokens)
