//! Resetting a session for a pooled connection: what a client's RESETCONNECTION asks for.
//!
//! MS-TDS 2.2.3.1.2 (packet header Status): RESETCONNECTION (0x08) "signals the server to clean
//! up the environment state of the connection back to the default environment setting,
//! effectively simulating a logout and a subsequent login"; RESETCONNECTIONSKIPTRAN (0x10) does
//! the same but leaves the transaction as it is. The server side (`server/worker.rs`) calls
//! [`Session::reset`] before running the request and acknowledges with ENVCHANGE type 18.
//!
//! What is reset here: an open transaction (unless kept), local temporary tables ("CREATE TABLE
//! (Transact-SQL)": a local temporary table lives as long as its session), variables and
//! parameters, every SET option (`@@OPTIONS`, NOCOUNT, LOCK_TIMEOUT, …) and the isolation level
//! back to a new session's, `@@ERROR`, `@@ROWCOUNT`, and the database context (back to the
//! login's database; SqlClient, for one, resets its own idea of the current database on the
//! acknowledgement without waiting for a database ENVCHANGE). Anything else the session comes
//! to hold belongs in this one function too.

use std::sync::atomic::Ordering;

use super::session::Session;
use super::sink::CollectSink;
use crate::error::SqlError;

impl Session {
    /// Resets the session to its state right after login, in `login_database`; with
    /// `keep_transaction` (RESETCONNECTIONSKIPTRAN) an open transaction stays open.
    pub fn reset(&mut self, login_database: &str, keep_transaction: bool) -> Result<(), SqlError> {
        // Nobody hears the rollback's ENVCHANGE: the acknowledgement (ENVCHANGE 18) tells the
        // client that its environment, transaction included, is a new login's.
        let mut quiet = CollectSink::new();
        if !keep_transaction {
            self.sync_transaction_state(&mut quiet);
            if self.trancount > 0
                && let Err(super::errors::Failure::Error(e)) = self.rollback(None, &mut quiet)
            {
                return Err(e);
            }
        }
        if let Err(super::errors::Failure::Error(e)) = self.drop_temp_tables(true) {
            return Err(e);
        }
        self.vars.clear();
        self.params.clear();
        self.set_options(Default::default());
        self.set_isolation(2);
        self.shared.error.store(0, Ordering::Relaxed);
        self.set_rowcount(0);
        if !self.database().eq_ignore_ascii_case(login_database) {
            self.switch_database(login_database)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::runtime::CollectSink;
    use crate::engine::runtime::tests::{instance, sa};

    fn exec(session: &mut super::Session, sql: &str) -> CollectSink {
        let mut sink = CollectSink::default();
        session.execute(sql, &[], &mut sink);
        assert!(sink.errors.is_empty(), "{sql}: {:?}", sink.errors);
        sink
    }

    /// A pooled connection's reset: the open transaction is rolled back, NOCOUNT is off again and
    /// the database is the login's; with RESETCONNECTIONSKIPTRAN the transaction stays open.
    #[test]
    fn reset_rolls_back_restores_options_and_the_login_database() {
        let inst = instance();
        inst.create_database("shop").unwrap();
        let mut s = sa(&inst, "master");
        exec(&mut s, "USE shop; CREATE TABLE dbo.t (id int)");
        exec(&mut s, "SET NOCOUNT ON; BEGIN TRANSACTION; INSERT INTO dbo.t VALUES (1)");
        s.reset("master", true).unwrap();
        assert_eq!((s.trancount(), s.database().as_str()), (1, "master"), "SKIPTRAN keeps the transaction");
        s.reset("master", false).unwrap();
        assert_eq!(s.trancount(), 0);
        let counted = exec(&mut s, "SELECT COUNT(*) FROM shop.dbo.t");
        assert_eq!(counted.counts, vec![Some(1)], "NOCOUNT is off after the reset");
        assert_eq!(counted.results[0].rows[0][0], crate::types::Value::Int(0), "the insert was rolled back");
    }
}
