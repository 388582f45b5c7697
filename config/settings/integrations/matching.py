"""The matcher's knobs (matching/matcher.py). Weights were chosen on the listings dev judgements."""

from config.env import env

MATCHING = {
    # Candidates taken from each of BM25 and vector search, per kind.
    "depth": env.int("MATCHING_DEPTH", default=100),
    # Matches proposed per kind for one listing.
    "top": env.int("MATCHING_TOP", default=10),
    "freshness_half_life_days": 180,
    # Candidates (by the hand-weighted score) whose match degree the ranker computes, per kind.
    "rerank": 50,
    # The lowest match degree (0–100, matching.ranker) proposed to the staff, by candidate
    # kind: a demand's best candidate from "first_threshold" up, the others from "threshold"
    # up (matcher.worth_proposing). Chosen on the judged development data: see README.
    "threshold": {"default": env.int("MATCHING_THRESHOLD", default=50)},
    "first_threshold": {"default": env.int("MATCHING_FIRST_THRESHOLD", default=30)},
    # The nightly retraining of the ranker on the staff's decisions and the parties' answers
    # (matching.services.ranker_retrain): it fits a new model once this many decisions exist
    # and this many came since the last fit.
    "retrain_min_decisions": env.int("MATCHING_RETRAIN_MIN_DECISIONS", default=200),
    "retrain_min_new_decisions": env.int("MATCHING_RETRAIN_MIN_NEW_DECISIONS", default=50),
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
