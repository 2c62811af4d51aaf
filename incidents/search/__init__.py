"""The header's search box: a record's number opens it; words find records of every kind, grouped and ranked
(decision record 0048)."""
