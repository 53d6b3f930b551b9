//! Free loopback ports, picked by the kernel.
//!
//! A port is free when the kernel hands it out for `127.0.0.1:0`. Between that moment and the
//! moment Java binds it, another process may take it: the cluster start retries with new ports
//! when a server reports `Address already in use`. Inside this process, ports handed to a live
//! cluster are remembered, so a stopped node's port is never given to another cluster that
//! would then keep the node from starting again.

use std::collections::HashSet;
use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::sync::{Mutex, MutexGuard, PoisonError};

static RESERVED: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

fn reserved() -> MutexGuard<'static, Option<HashSet<u16>>> {
    RESERVED.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Ports reserved for one cluster; released when dropped.
#[derive(Debug)]
pub(crate) struct Ports {
    ports: Vec<u16>,
}

impl Ports {
    /// `n` distinct free loopback ports, none of them reserved by another cluster of this
    /// process.
    pub(crate) fn reserve(n: usize) -> io::Result<Ports> {
        // Hold every listener until all ports are chosen, so the kernel cannot hand the same
        // port out twice; skip ports another cluster of this process holds.
        let mut listeners = Vec::with_capacity(n);
        let mut ports = Vec::with_capacity(n);
        let mut guard = reserved();
        let taken = guard.get_or_insert_with(HashSet::new);
        let mut tries = 0;
        while ports.len() < n {
            tries += 1;
            if tries > 100 * (n + 1) {
                return Err(io::Error::new(
                    io::ErrorKind::AddrNotAvailable,
                    "could not find enough free loopback ports",
                ));
            }
            let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
            let port = listener.local_addr()?.port();
            if !taken.contains(&port) {
                ports.push(port);
            }
            listeners.push(listener);
        }
        taken.extend(ports.iter().copied());
        Ok(Ports { ports })
    }

    /// The reserved ports, in order.
    pub(crate) fn get(&self, i: usize) -> u16 {
        self.ports[i]
    }
}

impl Drop for Ports {
    fn drop(&mut self) {
        if let Some(taken) = reserved().as_mut() {
            for port in &self.ports {
                taken.remove(port);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_ports_are_distinct_and_released() {
        let a = Ports::reserve(5).unwrap();
        let b = Ports::reserve(5).unwrap();
        let all: HashSet<u16> = a.ports.iter().chain(&b.ports).copied().collect();
        assert_eq!(all.len(), 10);
        let first = a.get(0);
        drop(a);
        assert!(!reserved().as_ref().unwrap().contains(&first));
        assert!(reserved().as_ref().unwrap().contains(&b.get(0)));
    }
}
