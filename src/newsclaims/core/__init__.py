"""The vocabulary, the record models and what every layer shares.

Documents and offsets, spans, problems and the rule catalogue, the repository layout,
file reading and JSON writing. Imports nothing else of newsclaims.
"""
