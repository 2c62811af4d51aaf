"""Knowledge: categories, problems, known errors with workarounds, articles; matching and search."""
