"""The rule-based pre-annotator and its evaluation against gold."""
