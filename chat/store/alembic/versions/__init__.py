"""The store's schema revisions, oldest first: `revNNNN_what.py`. Never edit one that has shipped; add the next."""
