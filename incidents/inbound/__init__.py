"""Mail in: every source hands raw messages to one service that keeps and decides them (decision record 0018)."""
