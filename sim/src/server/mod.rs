//! The TCP server: accepts connections, speaks TDS, drives engine sessions.
