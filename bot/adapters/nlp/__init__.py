"""Language tools shared by the adapters: folding, stemming, lexicon, tag matching, embeddings."""
