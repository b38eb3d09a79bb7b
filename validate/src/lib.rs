//! # cutover-validate (planned)
//!
//! Proves the data arrived unchanged: schema and object comparison, exact and metadata row
//! counts, and server-side checksums over an unambiguous row encoding (typed, length-framed,
//! explicit NULL tag, NVARCHAR as UTF-16) hashed with SHA2_256 and summed as DECIMAL(38,0) per
//! segment, with bisection down to the exact differing keys (see
//! `../shared/design/validation.md`).
//!
//! Nothing is implemented yet: the crate exists so the workspace shows the architecture.
