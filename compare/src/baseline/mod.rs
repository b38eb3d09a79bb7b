//! Baselines (`cutover collect --out DIR`, `docs/baseline-format.md`): `baseline.json` read and
//! checked ([`meta`]), the Parquet series loaded with polars and aligned across editions into
//! canonical series ([`series`], [`align`]), then summarised and compared ([`compare`]) with
//! the per-query view ([`queries`]).

pub mod align;
pub mod compare;
pub mod meta;
pub mod queries;
pub mod series;
