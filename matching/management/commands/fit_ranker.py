"""Fit the ranker's initial models on the judged development data and write them to
matching/ranker_initial.json (the model the platform uses until retraining on its own
decisions replaces it).

    python manage.py fit_ranker [--data ../shared/data]

listings → the model for every kind of candidate ("default"), experts → the one for experts
("talent"); both over matching.training.TEXT_FEATURES, plus a calibration of the hand-weighted
score to fall back on. Only the dev judgements are read; each model's cross-validated figures
are written beside it.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from matching import judged, training
from matching.profiles import RowReader
from matching.ranker import INITIAL, Ranker
from search.embedding.cache import embed_cached


class Command(BaseCommand):
    help = "Fit the ranker's initial models on the judged development data."

    def add_arguments(self, parser):
        parser.add_argument("--data", default=str(judged.DATA), help="the shared data folder")
        parser.add_argument("--out", default=str(INITIAL))

    def handle(self, *args, data, out, **options):
        data = Path(data)
        if not (data / "listings").is_dir():
            raise CommandError(f"{data} holds no listings/ folder: pass --data")
        reader = RowReader()
        models, figures, hand = {}, {}, None
        for name, kind in judged.FITS.items():
            demands, supply, qrels, _grade = judged.SETS[name](reader, data)
            with judged.indexed(supply, embed=embed_cached) as backend:
                found = judged.candidates(backend, demands, supply)
            rows = training.training_set(found, qrels)
            held_out = training.cross_validated(rows, training.TEXT_FEATURES)
            models[kind] = training.fit(rows, training.TEXT_FEATURES)
            figures[kind] = {
                "set": name,
                "pairs": len(rows.labels),
                "relevant": int(rows.labels.sum()),
                "cross_validated_log_loss": round(training.log_loss(rows.labels, held_out), 4),
                "cross_validated_ndcg@10": round(training.mean_ndcg(rows, held_out), 4),
                "calibration": training.calibration_table(rows.labels, held_out),
            }
            if kind == "default":
                hand = training.fit(rows, ("score",))
            self.stdout.write(f"{name} → {kind}: {json.dumps(figures[kind], ensure_ascii=False)}")
        ranker = Ranker(version="initial", models=models, hand=hand)
        Path(out).write_text(
            json.dumps({**ranker.as_dict(), "figures": figures}, indent=1, ensure_ascii=False)
            + "\n",
            encoding="utf-8",
        )
        self.stdout.write(f"→ {out}")
