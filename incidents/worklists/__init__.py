"""Work lists: the support groups' queue, the desk's work list and the saved filters."""
