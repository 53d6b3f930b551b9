//! CPU time of this process, for asserting that a client under attack stays idle.

use std::sync::OnceLock;
use std::time::Duration;

/// The clock ticks per second `/proc` counts in (`USER_HZ`), asked of `getconf` once; 100 on
/// every common Linux platform.
fn ticks_per_second() -> u64 {
    static TICKS: OnceLock<u64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .filter(|ticks| *ticks > 0)
            .unwrap_or(100)
    })
}

/// User plus system CPU time this process has used so far, every thread included (threads
/// that already exited too), as `getrusage(RUSAGE_SELF)` reports it; `None` where
/// `/proc/self/stat` is missing (not Linux). The resolution is one clock tick (10 ms).
///
/// Sample it before and after a window to see how busy the process was:
///
/// ```
/// use std::time::Instant;
///
/// let (cpu, wall) = (zk_testing::hostile::process_cpu_time(), Instant::now());
/// // ... let the client under test face a hostile server ...
/// if let (Some(before), Some(after)) = (cpu, zk_testing::hostile::process_cpu_time()) {
///     let busy = (after - before).as_secs_f64() / wall.elapsed().as_secs_f64().max(1e-3);
///     assert!(busy < 0.5, "the process used {:.0}% of a core", busy * 100.0);
/// }
/// ```
pub fn process_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    parse_stat(&stat, ticks_per_second())
}

/// utime + stime of a `/proc/<pid>/stat` line, in ticks of `hz` per second.
fn parse_stat(stat: &str, hz: u64) -> Option<Duration> {
    // The command name (field 2) is in parentheses and may hold spaces and parentheses:
    // count from after the last one.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // After the name: state (3), then fields 4..=13, then utime (14) and stime (15).
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    let ticks = utime + stime;
    Some(Duration::from_secs(ticks / hz) + Duration::from_nanos((ticks % hz) * 1_000_000_000 / hz))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_and_system_ticks_are_added() {
        let line = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 131 0 0 20 0 9 0";
        assert_eq!(parse_stat(line, 100), Some(Duration::from_millis(3810)));
        assert_eq!(parse_stat("4242 (x) S 1 2", 100), None);
    }

    #[test]
    fn this_process_has_a_cpu_time_on_linux() {
        if std::path::Path::new("/proc/self/stat").exists() {
            let first = process_cpu_time().expect("a CPU time");
            assert!(process_cpu_time().expect("a CPU time") >= first);
        }
    }
}
