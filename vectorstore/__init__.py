"""Turns articles into stored, searchable passages: parsing, cleaning, chunking, embedding, Chroma."""
