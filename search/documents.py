"""Index document ids, shared by whoever writes the index and whoever reads it.

A listing or team is indexed as "<kind>:<pk>" (one passage), "<kind>:<pk>#<n>" (several
passages, e.g. an expert's projects) and "<kind>:<pk>@title" (its title vector).
"""

PASSAGE_SEPARATOR = "#"
TITLE_SUFFIX = "@title"
# Title vectors are stored under their own kind: fetched for candidates, never searched.
TITLE_KIND = "title"
# Passages beyond this (an expert's many projects) are not indexed; deletes clear them all.
MAX_PASSAGES = 20


def index_id(kind: str, pk: int) -> str:
    return f"{kind}:{pk}"


def passage_ids(index_id: str, passage_count: int) -> list[str]:
    """Ids of an owner's passages: its own id, or "<id>#<n>" when it has several."""
    if passage_count == 1:
        return [index_id]
    return [f"{index_id}{PASSAGE_SEPARATOR}{n}" for n in range(passage_count)]


def owner_id(document_id: str) -> str:
    """The "<kind>:<pk>" a document belongs to."""
    return document_id.split(PASSAGE_SEPARATOR, 1)[0].removesuffix(TITLE_SUFFIX)


def owner_pk(document_id: str) -> int:
    return int(owner_id(document_id).split(":", 1)[1])


def all_document_ids(index_id: str) -> list[str]:
    """Every id an owner may have in the index: what a delete must clear."""
    ids = [index_id, f"{index_id}{TITLE_SUFFIX}"]
    return ids + [f"{index_id}{PASSAGE_SEPARATOR}{n}" for n in range(MAX_PASSAGES)]
