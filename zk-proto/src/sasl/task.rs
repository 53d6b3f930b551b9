//! One step of a SASL exchange, handed to the driver to compute and handed back.
//!
//! A mechanism may block for as long as it likes (GSSAPI asks the KDC for tickets inside its
//! first step), so the session never runs one itself: it gives the mechanism away inside a
//! [`SaslTask`], and the driver runs the task wherever blocking harms no one and returns the
//! [`SaslAnswer`], mechanism included, through
//! [`Session::handle_sasl_answer`](crate::Session::handle_sasl_answer).

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use super::{SaslError, SaslMechanism, SaslMechanismFactory, SaslStep};
use crate::connect_string::HostPort;
use crate::session::ConnId;

/// A SASL step for the driver to compute, from
/// [`Action::Sasl`](crate::Action::Sasl).
///
/// [`run`](SaslTask::run) it (it may block: call it on a thread of its own or a blocking pool
/// when the calling thread serves anything else) and give the answer to
/// [`Session::handle_sasl_answer`](crate::Session::handle_sasl_answer). The task is `Send`,
/// so it can move to that thread.
#[must_use = "the connection waits until the answer is handed back"]
pub struct SaslTask {
    conn: ConnId,
    work: Work,
}

enum Work {
    /// Start a mechanism for this connection and compute its first token.
    Start {
        factory: Arc<dyn SaslMechanismFactory>,
        host: HostPort,
        random: u64,
    },
    /// Answer the server's token (`None`: the server sent a null token).
    Step {
        mechanism: Box<dyn SaslMechanism>,
        challenge: Option<Bytes>,
    },
}

impl SaslTask {
    pub(crate) fn start(
        conn: ConnId,
        factory: Arc<dyn SaslMechanismFactory>,
        host: HostPort,
        random: u64,
    ) -> SaslTask {
        SaslTask {
            conn,
            work: Work::Start {
                factory,
                host,
                random,
            },
        }
    }

    pub(crate) fn step(
        conn: ConnId,
        mechanism: Box<dyn SaslMechanism>,
        challenge: Option<Bytes>,
    ) -> SaslTask {
        SaslTask {
            conn,
            work: Work::Step {
                mechanism,
                challenge,
            },
        }
    }

    /// The connection whose exchange this is.
    pub fn conn(&self) -> ConnId {
        self.conn
    }

    /// Computes the step: starts the mechanism and takes its initial response, or gives it
    /// the server's token. May block (for KDC round trips, for instance).
    pub fn run(self) -> SaslAnswer {
        let outcome = match self.work {
            Work::Start {
                factory,
                host,
                random,
            } => factory.start(&host, random).and_then(|mut mechanism| {
                let token = mechanism.initial_response()?;
                tracing::debug!(mechanism = mechanism.name(), "SASL exchange starts");
                Ok((mechanism, SaslStep::Continue(token)))
            }),
            Work::Step {
                mut mechanism,
                challenge,
            } => mechanism
                .step(challenge.as_deref())
                .map(|step| (mechanism, step)),
        };
        SaslAnswer {
            conn: self.conn,
            outcome,
        }
    }
}

impl fmt::Debug for SaslTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Tokens can carry credential-derived material: their size only.
        let mut d = f.debug_struct("SaslTask");
        d.field("conn", &self.conn);
        match &self.work {
            Work::Start { host, .. } => d.field("start", host),
            Work::Step {
                mechanism,
                challenge,
            } => d
                .field("mechanism", &mechanism.name())
                .field("challenge_len", &challenge.as_ref().map(Bytes::len)),
        };
        d.finish()
    }
}

/// The result of [`SaslTask::run`], for
/// [`Session::handle_sasl_answer`](crate::Session::handle_sasl_answer). It carries the
/// mechanism back to the session, which keeps it until the server's next token.
#[must_use = "the connection waits until the answer is handed back"]
pub struct SaslAnswer {
    conn: ConnId,
    outcome: Result<(Box<dyn SaslMechanism>, SaslStep), SaslError>,
}

impl SaslAnswer {
    /// The connection whose exchange this is.
    pub fn conn(&self) -> ConnId {
        self.conn
    }

    pub(crate) fn into_outcome(self) -> Result<(Box<dyn SaslMechanism>, SaslStep), SaslError> {
        self.outcome
    }
}

impl fmt::Debug for SaslAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `SaslStep`'s own Debug shows token sizes only.
        let outcome = self.outcome.as_ref().map(|(_, step)| step);
        f.debug_struct("SaslAnswer")
            .field("conn", &self.conn)
            .field("outcome", &outcome)
            .finish()
    }
}
