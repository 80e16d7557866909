"""The person's rights over their data: what is kept, a copy of it all, its erasure."""
