"""Pure extractors: the saved text of a directory list in, `Observation`s out."""
