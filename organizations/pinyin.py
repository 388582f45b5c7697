"""Sort keys that order Chinese names the way readers expect: by pinyin, not by code point."""

from pypinyin import lazy_pinyin


def pinyin_sort_key(text):
    """ "杭州锂想科技" → "hang zhou li xiang ke ji"; Latin letters and digits stay, lower-cased.

    Syllables are separated by spaces so that "an …" sorts before "ang …".
    """
    return " ".join(lazy_pinyin(text)).lower()[:255]
