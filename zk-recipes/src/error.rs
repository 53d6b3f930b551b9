//! Errors of the recipes.

use zk_client::Error;

/// Why a recipe operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecipeError {
    /// A ZooKeeper operation failed.
    #[error(transparent)]
    Zk(#[from] Error),
    /// The deadline passed before the recipe got what it waited for; anything it created was
    /// cleaned up.
    #[error("timed out")]
    Timeout,
    /// The operation was cancelled; anything it created was cleaned up.
    #[error("cancelled")]
    Cancelled,
    /// The session that held the lock, lease or leadership was lost.
    #[error("session lost: the lock, lease or leadership is gone")]
    SessionLost,
    /// The recipe's nodes say something inconsistent with this instance (for example a
    /// semaphore created with another lease count).
    #[error("inconsistent recipe state: {0}")]
    Inconsistent(String),
}

/// The result of a recipe operation.
pub type Result<T, E = RecipeError> = std::result::Result<T, E>;
