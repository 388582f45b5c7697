"""The matcher's knobs (matching/matcher.py). Weights were chosen on the listings dev judgements."""

from config.env import env

MATCHING = {
    # Candidates taken from each of BM25 and vector search, per kind.
    "depth": env.int("MATCHING_DEPTH", default=100),
    # Matches proposed per kind for one listing.
    "top": env.int("MATCHING_TOP", default=10),
    "freshness_half_life_days": 180,
    # Candidates less similar than this are never proposed, however few there are. e5's
    # cosines are compressed: every pair judged relevant in the listings lies above 0.851 (a
    # third of all need/achievement pairs lie below 0.85), and all but 4 of csl's 1,994 above
    # 0.85. A floor of 0.87 dropped 26 relevant listings pairs and 17 csl abstracts.
    "min_similarity": env.float("MATCHING_MIN_SIMILARITY", default=0.85),
    # Dirty listings the periodic sweep indexes per run.
    "sweep_batch": 5000,
    "weights": {
        # Shares in relevance of the cosine with the supply's text and with its title alone;
        # BM25 has the rest.
        "dense": 0.5,
        "title": 0.15,
        # Bonuses added to relevance (which lies in [0, 1]).
        "field": 0.05,
        "region": 0.03,
        "cooperation": 0.02,
        "maturity": 0.02,
        "freshness": 0.02,
        "completeness": 0.02,
    },
}
