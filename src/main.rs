//! `cutover`: baselines, replay, comparison and data validation for SQL Server → Azure SQL
//! Managed Instance cutovers. `main` parses, runs, and turns the outcome into an exit code; the
//! commands live in [`cli`].

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
