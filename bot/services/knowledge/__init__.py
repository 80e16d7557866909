"""The knowledge base in the conversation: questions, emotions first, cards, saved cards."""
