"""The matcher's knobs (matching/matcher.py). Weights were chosen on the listings dev judgements."""

from config.env import env

MATCHING = {
    # Candidates taken from each of BM25 and vector search, per kind.
    "depth": env.int("MATCHING_DEPTH", default=100),
    # Matches proposed per kind for one listing.
    "top": env.int("MATCHING_TOP", default=10),
    "freshness_half_life_days": 180,
    # Candidates less similar than this are never proposed, however few there are. e5's
    # cosines are compressed: a need for an LED torch switch and a rice-blast achievement meet
    # at 0.869, while judged-relevant pairs go down to 0.851 (listings) and 0.835 (csl). 0.87
    # spares the staff such noise at a measured cost in ranking: 0.85 scored 0.004 higher
    # nDCG@10 on the listings and 0.005 on csl, and let the rice blast through.
    "min_similarity": env.float("MATCHING_MIN_SIMILARITY", default=0.87),
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
