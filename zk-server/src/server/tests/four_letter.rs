use crate::Output;
use crate::testkit::{Client, Harness, path_watch};

/// The raw text a four-letter word gets, and whether the connection was then closed.
fn ask(h: &mut Harness, word: &str) -> (String, bool) {
    let conn = h.accept();
    h.server.handle_data(conn, word.as_bytes(), h.now);
    let mut text = Vec::new();
    let mut closed = false;
    while let Some(output) = h.server.poll_output() {
        match output {
            Output::Transmit { data, .. } => text.extend(data),
            Output::Close(_) => closed = true,
        }
    }
    (String::from_utf8(text).unwrap(), closed)
}

#[test]
fn srvr_stat_and_mntr_report_the_servers_state() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    h.create(&mut c, "/e", "abc", 1);
    let (srvr, closed) = ask(&mut h, "srvr");
    assert!(closed);
    assert!(
        srvr.starts_with("Zookeeper version: 3.9.3-zk-server, built on "),
        "{srvr}"
    );
    for line in [
        "Mode: standalone\n",
        "Node count: 5\n",
        "Zxid: 0x2\n",
        "Connections: 2\n",
    ] {
        assert!(srvr.contains(line), "{line:?} in {srvr}");
    }
    let (stat, _) = ask(&mut h, "stat");
    assert!(
        stat.contains("Clients:\n /127.0.0.1:40000[1](queued=0,recved=2,sent=2)\n"),
        "{stat}"
    );
    let (mntr, _) = ask(&mut h, "mntr");
    for line in [
        "zk_server_state\tstandalone\n",
        "zk_znode_count\t5\n",
        "zk_ephemerals_count\t1\n",
    ] {
        assert!(mntr.contains(line), "{line:?} in {mntr}");
    }
    assert!(
        mntr.lines()
            .all(|l| l.starts_with("zk_") && l.contains('\t'))
    );
}

#[test]
fn cons_wchs_dump_conf_and_envi() {
    let mut h = Harness::new(Harness::default_config());
    let mut c = h.connect(10_000);
    h.create(&mut c, "/e", "", 1);
    h.call(&mut c, zk_proto::OpCode::GetData, &path_watch("/e", true));
    let (cons, _) = ask(&mut h, "cons");
    assert!(
        cons.contains(&format!(",sid=0x{:x},lop=GETD,", c.session)),
        "{cons}"
    );
    assert!(cons.contains(",lcxid=0x2,lzxid=0x2,"), "{cons}");
    let (wchs, _) = ask(&mut h, "wchs");
    assert_eq!(wchs, "1 connections watching 1 paths\nTotal watches:1\n");
    let (dump, _) = ask(&mut h, "dump");
    assert!(
        dump.starts_with("SessionTracker dump:\nSession Sets (1)/(1):\n1 expire at "),
        "{dump}"
    );
    assert!(
        dump.contains(&format!(
            "Sessions with Ephemerals (1):\n0x{:x}:\n\t/e\n",
            c.session
        )),
        "{dump}"
    );
    let (conf, _) = ask(&mut h, "conf");
    assert!(conf.starts_with("clientPort=2181\n"), "{conf}");
    assert!(
        conf.contains(
            "tickTime=2000\nmaxClientCnxns=0\nminSessionTimeout=4000\nmaxSessionTimeout=40000\n"
        ),
        "{conf}"
    );
    let (envi, _) = ask(&mut h, "envi");
    assert!(
        envi.starts_with("Environment:\nzookeeper.version=3.9.3-zk-server"),
        "{envi}"
    );
}

#[test]
fn other_words_are_frame_lengths() {
    let mut h = Harness::new(Harness::default_config());
    // "abcd" as a length is far over the limit: closed, nothing said.
    let (text, closed) = ask(&mut h, "abcd");
    assert_eq!((text.as_str(), closed), ("", true));
    let (isro, _) = ask(&mut h, "isro");
    assert_eq!(isro, "rw");
}

#[test]
fn wchc_and_wchp_list_data_watches_by_session_and_by_path() {
    let mut h = Harness::new(Harness::default_config());
    let mut a = h.connect(10_000);
    let mut b = h.connect(10_000);
    h.create(&mut a, "/e", "", 0);
    h.create(&mut a, "/f", "", 0);
    h.call(&mut a, zk_proto::OpCode::GetData, &path_watch("/e", true));
    h.call(&mut a, zk_proto::OpCode::Exists, &path_watch("/f", true));
    h.call(&mut b, zk_proto::OpCode::GetData, &path_watch("/e", true));
    // A child watch is not a data watch: neither word lists it.
    h.call(
        &mut b,
        zk_proto::OpCode::GetChildren,
        &path_watch("/", true),
    );
    let (wchc, _) = ask(&mut h, "wchc");
    let (first, second) = if a.session < b.session {
        (&a, &b)
    } else {
        (&b, &a)
    };
    let paths_of = |s: &Client| {
        if s.session == a.session {
            "\t/e\n\t/f\n"
        } else {
            "\t/e\n"
        }
    };
    assert_eq!(
        wchc,
        format!(
            "0x{:x}\n{}0x{:x}\n{}",
            first.session,
            paths_of(first),
            second.session,
            paths_of(second)
        )
    );
    let (wchp, _) = ask(&mut h, "wchp");
    let mut watchers = [a.session, b.session];
    watchers.sort_unstable();
    assert_eq!(
        wchp,
        format!(
            "/e\n\t0x{:x}\n\t0x{:x}\n/f\n\t0x{:x}\n",
            watchers[0], watchers[1], a.session
        )
    );
}
