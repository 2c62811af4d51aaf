"""Forms: what the pages ask of people, checked field by field before a service is called."""
