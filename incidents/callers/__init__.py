"""Callers: the signed links a caller answers through (it works, still broken, a reply) and the mails that
carry them."""
