"""Knowledge pages: problems, known errors, articles, the knowledge search and the matcher box."""
