"""Annotation rounds: create, push and pull, import, agreement, adjudicate."""
