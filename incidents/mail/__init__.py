"""Mail: the outbox that sends every e-mail after its change commits, the messages staff receive, and the bell."""
