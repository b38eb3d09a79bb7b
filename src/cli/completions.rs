//! `cutover completions SHELL` and `cutover man`: shell completions and manual pages generated
//! from the same clap definitions that parse the command line, so they never drift from it.

use super::Outcome;
use anyhow::Context;
use clap::CommandFactory;
use std::path::{Path, PathBuf};

/// Print a shell completion script.
///
/// Examples:
///   cutover completions bash > ~/.local/share/bash-completion/completions/cutover
///   cutover completions zsh > "${fpath[1]}/_cutover"
///   cutover completions fish > ~/.config/fish/completions/cutover.fish
///   cutover completions powershell >> $PROFILE
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Write manual pages (roff): cutover.1 and one per command (cutover-validate.1, …).
///
/// Examples:
///   cutover man --out /usr/local/share/man/man1 && man cutover-validate
///   cutover man | man -l -          # the top page, without installing
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ManArgs {
    /// Folder to write the pages into; without it the top page goes to stdout.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

pub fn completions(args: CompletionsArgs) -> anyhow::Result<Outcome> {
    let mut command = super::Cli::command();
    clap_complete::generate(args.shell, &mut command, "cutover", &mut std::io::stdout());
    Ok(Outcome::Pass)
}

pub fn man(args: ManArgs) -> anyhow::Result<Outcome> {
    let command = super::Cli::command();
    match &args.out {
        None => clap_mangen::Man::new(command)
            .render(&mut std::io::stdout())
            .context("could not print the page")?,
        Some(dir) => write_pages(command, dir)?,
    }
    Ok(Outcome::Pass)
}

fn write_pages(command: clap::Command, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("could not create --out {}", dir.display()))?;
    let mut pages = vec![("cutover".to_string(), command.clone())];
    for sub in command.get_subcommands() {
        let page = sub.clone().bin_name(format!("cutover {}", sub.get_name()));
        pages.push((format!("cutover-{}", sub.get_name()), page));
    }
    for (name, page) in pages {
        let path = dir.join(format!("{name}.1"));
        let mut file =
            std::fs::File::create(&path).with_context(|| format!("could not write {}", path.display()))?;
        clap_mangen::Man::new(page)
            .title(name)
            .render(&mut file)
            .with_context(|| format!("could not write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
