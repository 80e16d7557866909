"""Meetings: preparing a tough one step by step, its debrief, and the daily mood check-in."""
