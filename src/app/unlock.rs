//! The commands of the key agent: `unlock` hands a vault's derived keys to
//! the agent, `lock` makes it forget them all.

use std::io::Write;

use crate::agent::{self, Timeout};
use crate::error::{Error, Result};
use crate::output::{self, KeysForgotten, KeysHeld};

use super::Outcome;
use super::context::Context;

/// Takes the keys as any command does (an explicit passphrase source, else
/// the agent itself, which refreshes the timeout, else a prompt) and hands
/// them to the agent.
pub(super) fn unlock(ctx: &mut Context, raw_timeout: &str) -> Result<Outcome> {
    let timeout = Timeout::parse(raw_timeout)?;
    let u = ctx.unlock()?;
    agent::store(&u.keys, timeout)?;
    ctx.emit(&KeysHeld {
        path: ctx.path.display().to_string(),
        timeout_seconds: timeout.as_secs(),
        timeout: timeout.human(),
    })?;
    Ok(Outcome::Done)
}

/// Needs no vault: it concerns every key the agent holds.
pub(super) fn lock(json: bool, out: &mut dyn Write) -> Result<Outcome> {
    let forgotten = agent::lock()?;
    let view = KeysForgotten {
        agent_was_running: forgotten.is_some(),
        keys: forgotten.unwrap_or(0),
    };
    output::emit(out, json, &view).map_err(Error::output)?;
    Ok(Outcome::Done)
}
