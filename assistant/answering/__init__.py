"""The answer step: the question analysed once, drafts from three sources, one verify-and-assemble.

- ``question``: ``analyse`` -> ``Question`` (terms, kind of answer, periods, names, follow-ups).
- ``passages``: retrieved chunks, numbered and split into sentences.
- ``sources/``: ``ledger`` (figures from the fact ledger), ``extractive`` (quoted sentences,
  ranked by the fitted ``scorer``), ``llm`` (llama.cpp or an OpenAI-compatible server):
  each returns a ``Draft``.
- ``verify``: claims checked against the sentences they cite; ``assemble``: numbering,
  quotes, and the outcome (answer, partial, refused).
- ``chain``: the LCEL wiring of those steps; ``fit``: re-fits the scorer on the dev split.
"""
