"""Canned replies: their placeholders, who may use and manage them, and the writes that keep their history
(decision record 0049)."""
