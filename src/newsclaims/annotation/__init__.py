"""The annotation life cycle: seeds, Label Studio configs and conversion, rounds (tasks, import,
agreement, adjudication) and the rule-based pre-annotator."""
