//! Instances, databases, sessions, catalog and execution.
