"""Journal: what people write on an incident (work notes, customer updates, the workaround, files) and how it reads."""
