//! T-SQL scalar functions registered on SQLite connections.
