"""The rules NC2xx-NC5xx and the validator of a repository's inputs (seeds, manifest, registries, annotation files)."""
