"""Webhooks: the incidents' events POSTed, signed, to the addresses administrators subscribe (decision record 0027)."""
