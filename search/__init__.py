"""The ground floor of search: Chinese tokenization, the embedding model, document ids and the
search backends. Every app may import it; it imports no app of the platform."""
