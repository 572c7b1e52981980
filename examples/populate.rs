//! Writes a vault of N accounts, `acct0` ... `acctN-1`, through the library,
//! for the benchmarks in `benches/`.
//!
//! Each account has an active set of 10 codes with 3 used; every third
//! account also has a revoked set from a regeneration, so the vault carries
//! history as a real one would.
//!
//! ```text
//! CODEVAULT_NEW_PASSPHRASE=pw cargo run --release --example populate -- \
//!     --vault /tmp/big.cvlt --accounts 10000 --kdf-memory 8 --kdf-iterations 1 --kdf-parallelism 1
//! ```

use std::path::PathBuf;

use clap::Parser;
use codevault::crypto::KdfParams;
use codevault::secret::Passphrase;
use codevault::session::{self, Keys};
use codevault::store;
use codevault::vault::{AccountName, Vault};
use rand::rngs::SysRng;

#[derive(Parser)]
struct Args {
    /// How many accounts to create
    #[arg(long)]
    accounts: usize,
    /// The vault to create [default: $CODEVAULT_PATH]
    #[arg(long, env = "CODEVAULT_PATH")]
    vault: PathBuf,
    /// Argon2id memory in MiB [default: as `codevault init`]
    #[arg(long)]
    kdf_memory: Option<u64>,
    /// Argon2id passes [default: as `codevault init`]
    #[arg(long)]
    kdf_iterations: Option<u64>,
    /// Argon2id lanes [default: as `codevault init`]
    #[arg(long)]
    kdf_parallelism: Option<u64>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let passphrase = Passphrase::new(
        std::env::var("CODEVAULT_NEW_PASSPHRASE")
            .map_err(|_| "set CODEVAULT_NEW_PASSPHRASE to the new vault's passphrase")?,
    );
    let d = KdfParams::DEFAULT;
    let kdf = KdfParams::new(
        args.kdf_memory.unwrap_or(d.memory_mib().into()),
        args.kdf_iterations.unwrap_or(d.iterations().into()),
        args.kdf_parallelism.unwrap_or(d.parallelism().into()),
    )?;
    let now = session::now();
    let mut vault = Vault::new(&mut SysRng, now)?;
    for i in 0..args.accounts {
        let name = AccountName::parse(&format!("acct{i}"))?;
        vault.generate(&name, 10, &mut SysRng, now)?;
        if i % 3 == 0 {
            vault.regenerate(&name, 10, &mut SysRng, now)?;
        }
        for _ in 0..3 {
            vault.next(&name, None, &mut SysRng, now)?;
        }
    }
    let keys = Keys::fresh(&passphrase, kdf)?;
    let bytes = session::encrypt(&vault, &keys)?;
    store::ensure_parent_dir(&args.vault)?;
    let _lock = store::lock(&args.vault, store::LOCK_WAIT)?;
    let _ = store::create(&args.vault, &bytes)?;
    eprintln!(
        "wrote {} accounts to {} ({} bytes, {kdf})",
        args.accounts,
        args.vault.display(),
        bytes.len()
    );
    Ok(())
}
