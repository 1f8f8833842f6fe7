"""The record shape (NC1xx): JSON Schema generated from the models, and the checks of a file against it."""
