//! T-SQL → SQLite translation (see engine/mod.rs). Owned by the translator work.
