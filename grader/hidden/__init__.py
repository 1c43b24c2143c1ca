"""Hidden cases: inputs drawn from the grading seed, and the diagnoses of wrong variants. Never in a student kit."""
