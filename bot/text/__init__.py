"""Reading news text: one definition per idea, shared by retrieval, claims, answers and briefings.

- ``words``: stopwords, BM25's index terms, and the weighted claim terms quotes are checked on;
- ``dates``: dates in sentences (resolved against the article's date) and in questions (ranges);
- ``speech``: who says what (speech verbs, titles, speaker nouns, agencies, names);
- ``attribution``: an article's statements with their speaker, from the parse of ``nlp`` (spaCy);
- ``figures``: numbers as written and compared (number words, figure values);
- ``similarity``: cosine of embedding vectors and the one embedding cache;
- ``untrusted``: text addressed to an AI model (prompt injection) and neutralising article text.
"""
