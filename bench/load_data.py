"""Synthetic listings at the size of a national platform, for the load benchmark (bench.load).

    DATABASE_URL=… SEARCH_INDEX_DIR=… python -m bench.load_data --listings 300000

Fills an empty database (migrated here) with `--listings` needs and achievements shaped like
the real technology-market listings of ../shared/data/listings: every listing is built around
one real listing (its title, field, cooperation modes, maturity, patent status and price) whose
text is followed by one or two sentences of another real listing of the same field, so titles
repeat (about listings / 4,541 times each) but texts rarely do. They belong to
listings / 100 organizations spread over every prefecture-level city, each organization with an
administrator and an API token (keys derivable with `token_key`, for the load program); 92 %
are live (published in the last 170 days), the rest expired, closed, drafts or awaiting review.
About half of the live needs get five matches with achievements of their field (60 % approved
and pushed, 30 % proposed, 10 % rejected; a tenth of the approved ones answered), so that the
matches API has something to show; their scores are random, not the matcher's.

The search index gets every live listing's passage as the platform indexes it (the same
profile, jieba tokens and filters: province, field codes), so keyword search (BM25 over
FTS5 on the embedded backend) holds all of them — but no vectors: e5 embeds about 8.5 texts
a second on this machine's two cores, so 300,000 passages and titles would take some 20
hours. Searches that need vectors (a query that fewer than five listings hold entirely, the
matcher) find nothing by meaning on this data; the load benchmark's keywords are held by
many listings, the path that never embeds the query.

Rows are written with multi-row INSERTs (execute_values on PostgreSQL) in chunks, not through
the services: 5–6 minutes for 300,000 listings on PostgreSQL on two cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
import time
from datetime import timedelta
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "listings"
CHUNK = 5000
LISTINGS_PER_ORGANIZATION = 100
NEED_SHARE = 1729 / (1729 + 2812)  # as in the real listings
LIVE_DAYS = 170
MATCHES_PER_NEED = 5
MATCHED_NEED_SHARE = 0.5
# The first organizations of each kind whose tokens the load program uses.
TOKEN_SEED = "techbridge-load"
# (status, share) of the listings that are not live.
OTHER_STATES = [("expired", 0.03), ("closed", 0.02), ("draft", 0.02), ("submitted", 0.01)]
ORGANIZATION_WORDS = {
    "enterprise": ["科技有限公司", "智能装备有限公司", "新材料股份有限公司", "生物科技有限公司"],
    "institution": ["大学", "研究院", "职业技术学院", "工程技术研究中心"],
}
SENTENCE = re.compile(r"(?<=[。！？；!?;])")


def token_key(organization_id: int) -> str:
    """The raw API token key of a generated organization (only its hash is stored)."""
    digest = hashlib.sha256(f"{TOKEN_SEED}:{organization_id}".encode()).hexdigest()
    return f"tb_{digest[:40]}"


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


class Sources:
    """The real listings, mapped once into the platform's fields by the importer's mapper."""

    def __init__(self):
        from repositories.importing import MarketRows, RowError
        from repositories.models import ListingKind

        self.by_kind = {}
        for kind, name in ((ListingKind.NEED, "needs"), (ListingKind.ACHIEVEMENT, "achievements")):
            mapper = MarketRows(kind)
            mapped = []
            for row in read_jsonl(DATA / f"{name}.jsonl"):
                try:
                    _external_id, data, modes, _published = mapper.map(row)
                except RowError:
                    continue  # the rows the importer rejects (no text, no title)
                text_field = "problem" if kind == ListingKind.NEED else "description"
                sentences = [s for s in SENTENCE.split(data[text_field]) if len(s) > 8]
                mapped.append((data, modes, sentences))
            self.by_kind[kind] = mapped
        # Sentences of the same field (or of any, without one), to vary the texts.
        self.sentences = {}
        for mapped in self.by_kind.values():
            for data, _modes, sentences in mapped:
                key = data["field"].pk if data["field"] else None
                self.sentences.setdefault(key, []).extend(sentences)


def _insert(connection, table, columns, rows):
    """Multi-row INSERT of `rows` (tuples in `columns` order)."""
    if not rows:
        return
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            execute_values(
                cursor.cursor,
                f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES %s",
                rows,
                page_size=1000,
            )
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            table = connection.ops.quote_name(table)
            cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})", rows)


def _rows(connection, instances, fields):
    return [
        tuple(field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields)
        for obj in instances
    ]


def _save_instances(connection, model, instances):
    """INSERT the instances of one concrete model (a child model: its own table only)."""
    fields = model._meta.local_concrete_fields
    _insert(
        connection,
        model._meta.db_table,
        [field.column for field in fields],
        _rows(connection, instances, fields),
    )


def _next_id(model):
    from django.db.models import Max

    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def generate(*, listings: int, seed: int = 1, progress=print) -> dict:
    """Write the data set; returns what was written (counts, token organizations)."""
    from django.contrib.auth.hashers import make_password
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from matching.indexing import listing_profile
    from matching.matcher import search_documents
    from matching.models import Match, MatchAnswer
    from organizations.models import ApiToken, Membership, Organization
    from organizations.pinyin import pinyin_sort_key
    from repositories.completeness import completeness_of_listing
    from repositories.models import MODEL_BY_KIND, Listing, ListingKind, ListingStatus
    from repositories.services import listing_text
    from search.backends import get_backend
    from search.documents import TITLE_KIND
    from search.text import tokenize
    from taxonomy.models import Field, Region

    if Listing.objects.exists():
        sys.exit("The database already holds listings: give an empty one.")
    rng = random.Random(seed)
    started = time.perf_counter()
    now = timezone.now()
    sources = Sources()
    fields = {f.pk: f for f in Field.objects.select_related("parent__parent")}
    for data, _modes, _sentences in (row for rows in sources.by_kind.values() for row in rows):
        if data["field"] is not None:
            data["field"] = fields[data["field"].pk]  # with its ancestors loaded
    cities = list(Region.objects.filter(level=Region.Level.CITY).select_related("parent"))
    progress(f"{sum(map(len, sources.by_kind.values()))} real listings to build on")

    # Organizations, each with an administrator and an API token.
    organization_count = max(20, listings // LISTINGS_PER_ORGANIZATION)
    password = make_password(None)  # unusable: nobody signs in as them
    first_org, first_user = _next_id(Organization), _next_id(User)
    organizations, users, memberships, tokens = [], [], [], []
    for n in range(organization_count):
        kind = "enterprise" if n % 5 < 3 else "institution"
        city = cities[rng.randrange(len(cities))]
        name = f"{city.name}{kind[:1].upper()}{n:06d}{rng.choice(ORGANIZATION_WORDS[kind])}"
        org = Organization(
            id=first_org + n,
            name=name,
            name_sort_key=pinyin_sort_key(name),
            kind=kind,
            region=city,
            contact_name="联系人",
            contact_phone="13800000000",
            status=Organization.Status.VERIFIED,
            reviewed_at=now,
            created_at=now,
            updated_at=now,
        )
        user = User(
            id=first_user + n,
            username=f"load{org.id}",
            password=password,
            is_active=True,
            date_joined=now,
        )
        organizations.append(org)
        users.append(user)
        memberships.append(
            Membership(
                user_id=user.id,
                organization_id=org.id,
                role=Membership.Role.ADMIN,
                status=Membership.Status.ACTIVE,
                created_at=now,
            )
        )
        key = token_key(org.id)
        tokens.append(
            ApiToken(
                organization_id=org.id,
                name="load",
                prefix=key[:8],
                key_hash=ApiToken.hash_key(key),
                created_by_id=user.id,
                scopes=[],
                created_at=now,
            )
        )
    with transaction.atomic():
        _save_instances(connection, User, users)
        _save_instances(connection, Organization, organizations)
        Membership.objects.bulk_create(memberships, batch_size=2000)
        ApiToken.objects.bulk_create(tokens, batch_size=2000)
    enterprises = [org for org in organizations if org.kind == "enterprise"]
    institutions = [org for org in organizations if org.kind == "institution"]
    progress(f"{organization_count} organizations ({time.perf_counter() - started:.0f} s)")

    backend = get_backend()
    modes_table = Listing.cooperation_modes.through
    first_listing = _next_id(Listing)
    # What the matches need of each listing: (pk, field id, organization id, region id).
    live_needs, live_supply = [], {}
    counts = {"live": 0, "other": 0, "need": 0, "achievement": 0}
    completeness_cache = {}
    for start in range(0, listings, CHUNK):
        base_rows, child_rows, mode_rows, documents = [], {}, [], []
        for n in range(start, min(start + CHUNK, listings)):
            kind = ListingKind.NEED if rng.random() < NEED_SHARE else ListingKind.ACHIEVEMENT
            source = rng.randrange(len(sources.by_kind[kind]))
            data, modes, _sentences = sources.by_kind[kind][source]
            field = data["field"]
            others = sources.sentences.get(field.pk if field else None) or [""]
            extra = "".join(rng.choice(others) for _ in range(rng.randint(1, 2)))
            text_field = "problem" if kind == ListingKind.NEED else "description"
            text = data[text_field]
            if extra and not SENTENCE.split(text)[-1] == "":
                text += "。"  # the real text ends without punctuation
            values = {**data, text_field: text + extra}
            owners = enterprises if kind == ListingKind.NEED or rng.random() < 0.3 else institutions
            org = owners[rng.randrange(len(owners))]
            roll, status, published, expires = rng.random(), ListingStatus.PUBLISHED, None, None
            state = "live"
            for name, share in OTHER_STATES:
                if roll < share:
                    state = name
                    break
                roll -= share
            if state in ("live", "closed"):
                published = now - timedelta(seconds=rng.randrange(LIVE_DAYS * 86400))
                expires = published + timedelta(days=180)
                status = ListingStatus.CLOSED if state == "closed" else status
            elif state == "expired":
                published = now - timedelta(days=rng.randrange(200, 400))
                expires = published + timedelta(days=180)
            else:
                status = ListingStatus(state)
            pk = first_listing + n
            listing = MODEL_BY_KIND[kind](
                id=pk,
                listing_ptr_id=pk,
                kind=kind,
                organization=org,
                created_by_id=org.id - first_org + first_user,
                region=org.region,
                status=status,
                published_at=published,
                expires_at=expires,
                submitted_at=published,
                reviewed_at=published,
                created_at=published or now,
                updated_at=published or now,
                indexed_at=now,
                external_id=f"load-{pk}",
                **values,
            )
            listing._prefetched_objects_cache = {"cooperation_modes": modes}
            key = (kind, source)
            if key not in completeness_cache:
                completeness_cache[key] = completeness_of_listing(listing, modes)[0]
            listing.completeness = completeness_cache[key]
            listing.search_text = " ".join(tokenize(listing_text(listing)))
            base_rows.append(listing)
            child_rows.setdefault(kind, []).append(listing)
            mode_rows += [(pk, mode.pk) for mode in modes]
            counts[kind] += 1
            if state == "live":
                counts["live"] += 1
                profile = listing_profile(listing)
                profile.title = ""  # no title vector to store
                documents += [
                    doc
                    for doc in search_documents([profile], embed=_no_vectors)
                    if doc.kind != TITLE_KIND
                ]
                entry = (pk, listing.field_id, org.id, org.region_id)
                if kind == ListingKind.NEED:
                    live_needs.append(entry)
                else:
                    live_supply.setdefault(listing.field_id, []).append(entry)
            else:
                counts["other"] += 1
        with transaction.atomic():
            base_fields = Listing._meta.local_concrete_fields
            _insert(
                connection,
                Listing._meta.db_table,
                [f.column for f in base_fields],
                _rows(connection, base_rows, base_fields),
            )
            for kind, rows in child_rows.items():
                _save_instances(connection, MODEL_BY_KIND[kind], rows)
            _insert(
                connection,
                modes_table._meta.db_table,
                ["listing_id", "cooperationmode_id"],
                mode_rows,
            )
        backend.add_many(documents)
        done = min(start + CHUNK, listings)
        progress(f"{done} listings ({time.perf_counter() - started:.0f} s)")

    # Matches: about half of the live needs, five achievements of the field each.
    all_supply = [entry for entries in live_supply.values() for entry in entries]
    matches, answers = [], []
    first_match = _next_id(Match)
    for need_pk, field_id, need_org, region_id in live_needs:
        if rng.random() >= MATCHED_NEED_SHARE:
            continue
        pool = live_supply.get(field_id) or all_supply
        chosen = {entry[0]: entry for entry in rng.sample(pool, min(MATCHES_PER_NEED, len(pool)))}
        for supply_pk, _field, supply_org, _region in chosen.values():
            if supply_org == need_org:
                continue
            roll = rng.random()
            status = (
                Match.Status.APPROVED
                if roll < 0.6
                else Match.Status.PROPOSED
                if roll < 0.9
                else Match.Status.REJECTED
            )
            relevance = rng.uniform(0.5, 1.0)
            match = Match(
                id=first_match + len(matches),
                need_id=need_pk,
                supply_kind="achievement",
                supply_listing_id=supply_pk,
                supply_key=f"achievement:{supply_pk}",
                region_id=region_id,
                score=round(relevance + rng.uniform(0, 0.3), 4),
                parts={"relevance": round(relevance, 4), "field": 0.1},
                explanation={"terms": [], "field_levels": 3, "region": ""},
                model="synthetic",
                status=status,
                reviewed_at=now if status != Match.Status.PROPOSED else None,
                pushed_at=now if status == Match.Status.APPROVED else None,
                created_at=now,
                updated_at=now,
            )
            matches.append(match)
            if status == Match.Status.APPROVED and rng.random() < 0.1:
                answers.append(
                    MatchAnswer(
                        match_id=match.id,
                        organization_id=need_org,
                        answer=MatchAnswer.Answer.INTERESTED,
                        created_at=now,
                        updated_at=now,
                    )
                )
    with transaction.atomic():
        for start in range(0, len(matches), 20000):
            _save_instances(connection, Match, matches[start : start + 20000])
        MatchAnswer.objects.bulk_create(answers, batch_size=5000)
    progress(f"{len(matches)} matches ({time.perf_counter() - started:.0f} s)")

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(
            no_style(), [User, Organization, Listing, Match]
        ):
            cursor.execute(statement)
    with connection.cursor() as cursor:
        # Fresh statistics for the planner, as a database that grew slowly would have (VACUUM
        # too, outside a transaction: it marks the pages that index-only scans may skip).
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
    summary = {
        "listings": listings,
        "live": counts["live"],
        "not_live": counts["other"],
        "needs": counts["need"],
        "achievements": counts["achievement"],
        "organizations": organization_count,
        "matches": len(matches),
        "match_answers": len(answers),
        "indexed_documents": backend.count(),
        "index_vectors": 0,
        "seconds": round(time.perf_counter() - started, 1),
        "enterprise_ids": [org.id for org in enterprises],
        "institution_ids": [org.id for org in institutions],
    }
    progress(
        f"done: {listings} listings ({counts['live']} live), {len(matches)} matches,"
        f" {summary['indexed_documents']} documents in the index, {summary['seconds']:.0f} s"
    )
    return summary


def _no_vectors(texts, *, role):
    return [None] * len(texts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--summary", type=Path, help="write what was generated here (JSON)")
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    summary = generate(listings=options.listings, seed=options.seed)
    if options.summary:
        options.summary.write_text(json.dumps(summary), encoding="utf-8")


if __name__ == "__main__":
    main()
