"""The knowledge base through the API: problems, known errors, articles and the knowledge search."""
