"""Pages: what the big pages show a user, put together in one place for the page and each of its re-renders."""
