//! `log`: the audit trail, every change and every refused `use`, oldest
//! first, naming codes by number only.

mod common;

use common::{Env, exit};

#[test]
fn log_records_every_change_in_order() {
    let env = Env::with_vault();
    let issued = env.generate("github", 5);
    env.next("github");
    env.run(["use", "github", &issued.codes[1], "--note", "laptop"])
        .ok();
    env.run(["use", "github", &issued.codes[1]])
        .code(exit::REFUSED);
    env.regenerate("github", 3);
    env.generate("gitlab", 3);
    env.run(["revoke", "gitlab"]).ok();
    env.run(["remove", "gitlab", "--yes"]).ok();

    let run = env.run(["log", "--json"]);
    let log: common::Log = run.ok().json();
    assert_eq!(
        log.kinds(),
        [
            "init",
            "generate",
            "next",
            "use",
            "refused",
            "regenerate",
            "generate",
            "revoke",
            "remove"
        ]
    );
    assert_eq!(log.events[0].account, None);
    assert!(log.events.windows(2).all(|w| w[0].at <= w[1].at));
    let used = &log.events[3];
    assert_eq!(used.account.as_deref(), Some("github"));
    assert_eq!(used.details["index"], 2);
    assert_eq!(used.details["note"], "laptop");
    assert_eq!(log.events[4].details["reason"], "used");
    for code in &issued.codes {
        assert!(!run.stdout.contains(code.as_str()), "{run}");
    }

    let github: common::Log = env.run(["log", "github", "--json"]).ok().json();
    assert!(
        github
            .events
            .iter()
            .all(|e| e.account.as_deref() == Some("github"))
    );
    assert_eq!(github.events.len(), 5);

    let run = env.run(["log"]);
    run.ok();
    assert_eq!(run.stdout.lines().count(), 9, "one line per event\n{run}");
}
