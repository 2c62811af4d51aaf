"""Browser tests run against ``live_server``, whose database is emptied after every test; the root
conftest puts the role groups back before each one."""
