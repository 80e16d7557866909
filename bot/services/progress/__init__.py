"""Progress over time, its charts, and the current focus."""
