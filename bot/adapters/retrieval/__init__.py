"""Knowledge retrieval: card loading, BM25 and sentence-transformers + FAISS, fused."""
