"""Trainers and trainees: cohorts, invitations with consent, exercises, reminders, reports."""
