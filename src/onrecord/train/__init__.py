"""Train stage: build the data files the engine ships with from annotated corpora."""
