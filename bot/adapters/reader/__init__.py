"""The message reader: trained heads on the multilingual sentence vector and the cues."""
