"""Label Studio: labeling configs generated from the vocabulary, and its regions converted to and from gold records."""
