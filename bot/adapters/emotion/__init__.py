"""Emotion, situation and safety detection in French and English messages."""
