"""Self-assessments: the quick check and the full assessment, answered one statement at a time."""
