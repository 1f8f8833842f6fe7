"""The corpus build (parquet per config, card, Croissant, release manifest) and its checks NC6xx.

Needs the ``corpus`` extra (datasets, pyarrow, spaCy).
"""
