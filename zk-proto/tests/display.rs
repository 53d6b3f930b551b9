//! What the public types print: the words logs and command-line tools show.

use zk_proto::{ErrorCode, EventType, SessionState};

#[test]
fn session_states_print_in_words() {
    let printed: Vec<String> = [
        SessionState::Connecting,
        SessionState::Connected,
        SessionState::ConnectedReadOnly,
        SessionState::Suspended,
        SessionState::Lost,
        SessionState::AuthFailed,
        SessionState::Closed,
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(
        printed,
        [
            "connecting",
            "connected",
            "connected (read-only)",
            "suspended",
            "lost",
            "auth failed",
            "closed"
        ]
    );
}

#[test]
fn event_types_print_as_zookeeper_names_them() {
    assert_eq!(EventType::NodeCreated.to_string(), "NodeCreated");
    assert_eq!(
        EventType::NodeChildrenChanged.to_string(),
        "NodeChildrenChanged"
    );
}

#[test]
fn error_codes_print_meaning_and_number() {
    assert_eq!(ErrorCode::BadVersion.to_string(), "version mismatch (-103)");
    assert_eq!(
        ErrorCode::Unknown(-999).to_string(),
        "unknown error code -999"
    );
}
