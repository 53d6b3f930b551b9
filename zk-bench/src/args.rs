//! The contract's command line: `--connect HOST:PORT --workload NAME --n N --window W
//! --size BYTES`, plus `--adapter tokio|smol|blocking` (default tokio), in any order.

use std::fmt;

/// The six workloads of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Workload {
    GetSeq,
    GetPipe,
    SetPipe,
    CreatePipe,
    Children,
    Watch,
}

impl Workload {
    fn parse(name: &str) -> Option<Workload> {
        Some(match name {
            "get-seq" => Workload::GetSeq,
            "get-pipe" => Workload::GetPipe,
            "set-pipe" => Workload::SetPipe,
            "create-pipe" => Workload::CreatePipe,
            "children" => Workload::Children,
            "watch" => Workload::Watch,
            _ => return None,
        })
    }

    /// Whether `--window` applies.
    pub(crate) fn pipelined(self) -> bool {
        matches!(
            self,
            Workload::GetPipe | Workload::SetPipe | Workload::CreatePipe
        )
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Workload::GetSeq => "get-seq",
            Workload::GetPipe => "get-pipe",
            Workload::SetPipe => "set-pipe",
            Workload::CreatePipe => "create-pipe",
            Workload::Children => "children",
            Workload::Watch => "watch",
        })
    }
}

/// Which adapter drives the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Adapter {
    Tokio,
    Smol,
    Blocking,
}

impl Adapter {
    /// The `client` field of the result line: the library measured, its adapter and version.
    pub(crate) fn client_name(self) -> String {
        format!("zk-rs-{}-{}", self.name(), env!("CARGO_PKG_VERSION"))
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Adapter::Tokio => "tokio",
            Adapter::Smol => "smol",
            Adapter::Blocking => "blocking",
        }
    }
}

/// Parsed arguments.
#[derive(Debug, Clone)]
pub(crate) struct Args {
    pub(crate) connect: String,
    pub(crate) workload: Workload,
    pub(crate) n: usize,
    pub(crate) window: usize,
    pub(crate) size: usize,
    pub(crate) adapter: Adapter,
}

impl Args {
    pub(crate) fn parse(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
        let (mut connect, mut workload, mut n, mut window, mut size) =
            (None, None, None, None, None);
        let mut adapter = Adapter::Tokio;
        while let Some(flag) = argv.next() {
            let value = argv.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let number = || {
                value
                    .parse::<usize>()
                    .map_err(|_| format!("{flag}: not a number: {value}"))
            };
            match flag.as_str() {
                "--connect" => connect = Some(value.clone()),
                "--workload" => {
                    workload = Some(
                        Workload::parse(&value)
                            .ok_or_else(|| format!("unknown workload {value}"))?,
                    )
                }
                "--n" => n = Some(number()?),
                "--window" => window = Some(number()?),
                "--size" => size = Some(number()?),
                "--adapter" => {
                    adapter = match value.as_str() {
                        "tokio" => Adapter::Tokio,
                        "smol" => Adapter::Smol,
                        "blocking" => Adapter::Blocking,
                        other => return Err(format!("unknown adapter {other}")),
                    }
                }
                other => return Err(format!("unknown option {other}")),
            }
        }
        let workload = workload.ok_or("--workload is required")?;
        Ok(Args {
            connect: connect.ok_or("--connect is required")?,
            workload,
            n: n.ok_or("--n is required")?.max(1),
            window: if workload.pipelined() {
                window.unwrap_or(1).max(1)
            } else {
                1
            },
            size: size.unwrap_or(100),
            adapter,
        })
    }

    /// The contract's warm-up count.
    pub(crate) fn warmup(&self) -> usize {
        let cap = if self.workload == Workload::Children {
            20
        } else {
            5000
        };
        (self.n / 10).clamp(1, cap)
    }
}
