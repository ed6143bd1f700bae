"""Users and roles: who an event names, who a notification goes to, what a caller may do."""
