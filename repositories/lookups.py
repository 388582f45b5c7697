"""`search_text__holds_tokens=[…]`: the listing's tokenized text holds every one of the tokens.

On PostgreSQL it reads the listing's `search_tokens` column, to_tsvector('simple', search_text)
kept by the database, through its GIN index (migration 0008): the text is already jieba tokens
separated by spaces, which the 'simple' configuration keeps as they are, so a token is found as
a whole word — as the search index finds it — without reading every row. Elsewhere (SQLite,
the embedded default) each token is looked for with LIKE, which also finds it inside a longer
token.
"""

from django.db.models import Lookup

# The column PostgreSQL keeps beside search_text (migration 0008).
TOKENS_COLUMN = '"search_tokens"'


class HoldsTokens(Lookup):
    lookup_name = "holds_tokens"
    prepare_rhs = False

    def as_postgresql(self, compiler, connection):
        column, column_params = self.process_lhs(compiler, connection)
        tokens = list(self.rhs)
        if not tokens:
            return "TRUE", []
        # phraseto_tsquery parses a token as the index parsed the text ("c++" → 'c'), and
        # never reads it as query syntax.
        query = " && ".join(["phraseto_tsquery('simple'::regconfig, %s)"] * len(tokens))
        # `column` reads "<table or alias>"."search_text": the same row's tokens column.
        table = column.rsplit(".", 1)[0] + "." if "." in column else ""
        return f"{table}{TOKENS_COLUMN} @@ ({query})", [*column_params, *tokens]

    def as_sql(self, compiler, connection):
        column, column_params = self.process_lhs(compiler, connection)
        tokens = list(self.rhs)
        if not tokens:
            return "1 = 1", []
        like = f"{column} LIKE %s ESCAPE '\\'"
        params = [*column_params]
        clauses = []
        for token in tokens:
            clauses.append(like)
            params.append(f"%{connection.ops.prep_for_like_query(token)}%")
        return " AND ".join(clauses), params
