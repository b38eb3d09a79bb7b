//! `cutover-manifest`: every statement cutover sends to a server, generated from the code and
//! tables that send them (the collector's catalog, probe's identity and permission checks, the
//! capture's event-session DDL and reads, Query Store reads, validate's catalog reads and the
//! per-table statements its `TablePlan` builds for every column type and key shape, the
//! assessment rules, the instance-object sections) — never a hand-kept copy. Each statement has
//! its purpose, the commands that send it, the documented permission it needs and the system
//! objects and columns it reads (`cutover queries`, docs/queries.md).
//!
//! | module | idea |
//! |---|---|
//! | [`edition`] | the five editions (`sqlserver-2016` … `mi`) and their versions |
//! | [`statement`] | one statement and what it needs |
//! | [`sources`] | one file per command: its statements for an edition |
//! | [`objects`] | the documented system objects: page, editions, permission, columns by version |
//! | [`lexer`], [`reads`] | which objects and columns a statement reads, found in its text |
//! | [`manifest`] | the statements of the chosen editions, annotated and checked |
//! | [`render`] | T-SQL script, JSON, terminal |
//! | [`deep`] | `probe --deep`: runs the read-only ones on the user's server |

pub mod deep;
pub mod edition;
pub mod lexer;
pub mod manifest;
pub mod objects;
pub mod reads;
pub mod render;
pub mod sources;
pub mod statement;

pub use edition::Edition;
pub use manifest::{COMMANDS, manifest};
pub use objects::Objects;
pub use statement::{Access, Statement};
