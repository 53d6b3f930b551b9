//! 4lw and servers: the servers asked directly, without a session.

use crate::support::{dead_address, run};

#[test]
fn a_four_letter_word_gets_the_servers_reply() {
    let connect = zk_testing::shared_connect_string();
    let ruok = run(&["--server", &connect, "4lw", "ruok"]).ok();
    assert_eq!(ruok.stdout, "imok\n");

    let srvr = run(&["--server", &connect, "4lw", "srvr", "--json"])
        .ok()
        .json();
    assert_eq!(srvr["word"], "srvr");
    assert!(srvr["reply"].as_str().unwrap().contains("Mode: "), "{srvr}");

    // The first host is down: the next one answers.
    let with_dead = format!("{},{connect}", dead_address());
    assert_eq!(
        run(&["--server", &with_dead, "4lw", "ruok"]).ok().stdout,
        "imok\n"
    );

    assert_eq!(run(&["--server", &connect, "4lw", "toolong"]).code, 2);
    let nobody = run(&["--server", &dead_address(), "4lw", "ruok"]);
    assert_eq!(nobody.code, 3, "{nobody:?}");
}

#[test]
fn servers_shows_one_row_per_host_and_flags_the_unreachable() {
    let connect = zk_testing::shared_connect_string();
    let hosts: Vec<&str> = connect.split(',').collect();
    let table = run(&["--server", &connect, "servers"]).ok();
    let lines = table.lines();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "SERVER",
            "MODE",
            "ZXID",
            "LATENCY",
            "CONNECTIONS",
            "OUTSTANDING",
            "ZNODES",
            "WATCHES"
        ]
    );
    assert_eq!(lines.len(), hosts.len() + 1);
    for (line, host) in lines[1..].iter().zip(&hosts) {
        let row: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(row[0], *host);
        assert!(
            ["standalone", "leader", "follower", "observer"].contains(&row[1]),
            "{row:?}"
        );
        assert!(row[2].starts_with("0x"), "{row:?}");
        assert!(row[6].parse::<u64>().unwrap() > 0, "znodes: {row:?}");
        assert!(row[7].parse::<u64>().is_ok(), "watches: {row:?}");
    }

    let dead = dead_address();
    let with_dead = format!("{connect},{dead}");
    let mixed = run(&["--server", &with_dead, "servers", "--json"]);
    assert_eq!(mixed.code, 3, "{mixed:?}");
    let rows = mixed.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), hosts.len() + 1);
    assert_eq!(rows[0]["reachable"], true);
    assert!(rows[0]["znodes"].as_u64().unwrap() > 0);
    assert!(rows[0]["connections"].as_u64().is_some());
    assert!(rows[0]["watches"].as_u64().is_some());
    let last = &rows[hosts.len()];
    assert_eq!(
        (last["server"].as_str(), last["reachable"].as_bool()),
        (Some(dead.as_str()), Some(false))
    );
    assert!(mixed.stderr.contains(&dead), "{mixed:?}");
}

#[test]
fn health_is_an_exit_code_for_scripts() {
    let connect = zk_testing::shared_connect_string();
    let healthy = run(&["--server", &connect, "health"]).ok();
    assert!(healthy.lines()[1].contains(" ok ("), "{healthy:?}");

    let with_dead = format!("{connect},{}", dead_address());
    let sick = run(&["--server", &with_dead, "health", "--json"]);
    assert_eq!(sick.code, 3, "{sick:?}");
    let json = sick.json();
    assert_eq!(json["healthy"], false);
    let servers = json["servers"].as_array().unwrap();
    assert_eq!(servers[0]["serving"], true);
    assert_eq!(servers.last().unwrap()["serving"], false);
}
