"""Text analysis shared by ingest and answering: pure functions, no I/O.

- ``sentences``: sentence spans of a text (``split_sentences``, ``Span``).
- ``tokens``: search tokens (``tokenize``) for BM25 and for key-term matching.
- ``figures``: amounts, percentages and counts as stated (``extract_figures``, ``Figure``).
- ``periods``: periods and their comparison (``extract_periods``, ``Period``,
  ``periods_compatible``, ``describe``).
- ``gazetteer``: countries, demonyms, blocs, sectors and cities (``countries``, ``sectors``).
- ``facts``: a trade figure read as a fact: value, unit, kind, subject, period
  (``extract_facts``, ``Fact``).
"""
