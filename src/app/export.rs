//! `export`: the whole vault in plain JSON, every code in clear, for a
//! backup on paper or a move to another tool.
//!
//! The shape is the contract's (`{"format": "codevault-export", "version",
//! "accounts": [...]}`) and is built in one place, [`Export::of`], the only
//! code here that reads the vault's stored fields. The file is new and
//! 0600 (`store::create` never replaces what is at a path); standard output
//! only when it is not a terminal. The export is an event of the audit
//! trail, saved before a single code leaves the process.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::output::{SetInfo, ShownCode};
use crate::session;
use crate::store;
use crate::vault::{RevokedBy, Vault};

use super::Outcome;
use super::context::Context;

/// `format` of every export file.
pub(super) const FORMAT: &str = "codevault-export";
/// `version` of the shape below; a new one for any incompatible change.
pub(super) const VERSION: u32 = 1;

#[derive(Serialize)]
pub(super) struct Export {
    format: &'static str,
    version: u32,
    accounts: Vec<ExportedAccount>,
}

#[derive(Serialize)]
struct ExportedAccount {
    account: String,
    sets: Vec<ExportedSet>,
}

#[derive(Serialize)]
struct ExportedSet {
    #[serde(flatten)]
    set: SetInfo,
    revoked: Option<RevokedInfo>,
    codes: Vec<ShownCode>,
}

#[derive(Serialize)]
struct RevokedInfo {
    at: Timestamp,
    by: RevokedBy,
    replaced_by: Option<u64>,
}

impl Export {
    /// Every account (in the vault's order) with every set, oldest first.
    pub(super) fn of(vault: &Vault) -> Export {
        let accounts = vault
            .accounts()
            .map(|(name, account)| ExportedAccount {
                account: name.to_string(),
                sets: account
                    .sets
                    .iter()
                    .enumerate()
                    .map(|(pos, set)| ExportedSet {
                        set: SetInfo::of(set),
                        revoked: account.revocation(pos).map(|r| RevokedInfo {
                            at: r.at,
                            by: r.by,
                            replaced_by: r.replaced_by.map(|s| s.number),
                        }),
                        codes: set
                            .codes
                            .iter()
                            .enumerate()
                            .map(|(i, e)| ShownCode::of(i + 1, e, set.layout.as_ref()))
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        Export {
            format: FORMAT,
            version: VERSION,
            accounts,
        }
    }
}

/// Where the export goes, checked before the vault is opened.
enum Target {
    Stdout,
    File(PathBuf),
}

pub(super) fn export(ctx: &mut Context, output: Option<&Path>) -> Result<Outcome> {
    let target = match output {
        Some(p) if p == Path::new("-") => {
            if std::io::stdout().is_terminal() {
                return Err(Error::ExportToTerminal);
            }
            Target::Stdout
        }
        Some(p) => Target::File(p.to_path_buf()),
        None => Target::File(PathBuf::from(format!(
            "codevault-export-{}.json",
            session::now().strftime("%Y%m%d-%H%M%S")
        ))),
    };
    if let Target::File(path) = &target {
        if store::occupied(path) {
            return Err(Error::ExportExists { path: path.clone() });
        }
        // A directory that is not there is said before the event is saved.
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            return Err(Error::NoExportDir {
                dir: dir.to_path_buf(),
            });
        }
    }
    let u = ctx.unlock()?;
    // The event is durable before any code leaves the process: an audit
    // trail may say an export happened that then failed, never the reverse.
    let export = ctx.modify(u, None, |v| {
        let accounts = v.accounts().count();
        v.log_export(&mut rand::rngs::SysRng, session::now(), accounts)?;
        Ok(Export::of(v))
    })?;
    let mut json = zeroize::Zeroizing::new(
        serde_json::to_vec_pretty(&export).map_err(|e| Error::encoder("the export", e))?,
    );
    drop(export);
    json.push(b'\n');
    let warning = "warning: the export holds every code in clear; keep it as safe as the codes \
                   themselves and delete it when you are done";
    match target {
        Target::Stdout => {
            ctx.out
                .write_all(&json)
                .and_then(|()| ctx.out.flush())
                .map_err(Error::output)?;
            ctx.say(warning);
        }
        Target::File(path) => {
            let saved = store::create(&path, &json).map_err(|e| match e {
                Error::VaultExists { path } => Error::ExportExists { path },
                e => e,
            })?;
            if let Some(w) = saved.warning() {
                ctx.say(&w);
            }
            ctx.say(&format!("wrote the whole vault to {}", path.display()));
            ctx.say(warning);
        }
    }
    Ok(Outcome::Done)
}
