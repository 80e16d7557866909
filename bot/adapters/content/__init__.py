"""Loading and validating the content files of knowledge/ and prompts/."""
