//! Custom endpoints' secret keys in the OS keychain (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows), kept there only when the user asks. Skiff's own files never
//! hold a secret: the endpoint's name is the keychain entry's account, the secret its password.

use std::sync::Arc;

use keyring_core::{CredentialStore, Error};

/// The service every Skiff entry is filed under in the keychain.
const SERVICE: &str = "Skiff S3 endpoint";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeychainError {
    /// No keychain to keep secrets in: none runs, or it is locked and cannot be opened.
    #[error("{0}")]
    Unavailable(String),
    /// The keychain answered, but refused or failed the request.
    #[error("the keychain refused: {0}")]
    Refused(String),
}

/// The keychain Skiff files its secrets in.
pub struct Keychain {
    /// `None`: the system's store (chosen and opened by the `keyring` crate on first use).
    store: Option<Arc<CredentialStore>>,
}

impl Keychain {
    /// The operating system's keychain.
    pub fn system() -> Self {
        Self { store: None }
    }

    /// A keychain over the given store (tests use keyring-core's mock).
    pub fn with_store(store: Arc<CredentialStore>) -> Self {
        Self { store: Some(store) }
    }

    /// Keeps `secret` as the secret key of the endpoint named `endpoint`, replacing any earlier.
    pub fn remember(&self, endpoint: &str, secret: &str) -> Result<(), KeychainError> {
        self.entry(endpoint)?.set_password(secret).map_err(failure)
    }

    /// The secret key kept for `endpoint`, if any.
    pub fn recall(&self, endpoint: &str) -> Result<Option<String>, KeychainError> {
        match self.entry(endpoint)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(Error::NoEntry) => Ok(None),
            Err(e) => Err(failure(e)),
        }
    }

    /// Removes the secret kept for `endpoint`; nothing kept is no error.
    pub fn forget(&self, endpoint: &str) -> Result<(), KeychainError> {
        match self.entry(endpoint)?.delete_credential() {
            Ok(()) | Err(Error::NoEntry) => Ok(()),
            Err(e) => Err(failure(e)),
        }
    }

    fn entry(&self, endpoint: &str) -> Result<keyring_core::Entry, KeychainError> {
        match &self.store {
            Some(store) => keyring_core::Entry::new_in_store(store, SERVICE, endpoint),
            None => keyring::Entry::new(SERVICE, endpoint).map(|e| e.inner),
        }
        .map_err(failure)
    }
}

/// In words a user can act on. keyring's messages name the store and the reason, never the
/// secret.
fn failure(e: Error) -> KeychainError {
    match e {
        Error::NoDefaultStore => KeychainError::Unavailable(
            "no keychain answers here (on Linux, a Secret Service such as GNOME Keyring, KWallet \
             or KeePassXC in the desktop session)"
                .into(),
        ),
        Error::NoStorageAccess(e) => {
            KeychainError::Unavailable(format!("the keychain could not be opened ({e})"))
        }
        Error::PlatformFailure(e) => {
            KeychainError::Unavailable(format!("the keychain failed ({e})"))
        }
        other => KeychainError::Refused(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mock() -> Keychain {
        Keychain::with_store(keyring_core::mock::Store::new().unwrap())
    }

    #[test]
    fn a_secret_is_remembered_recalled_replaced_and_forgotten() {
        let keychain = mock();
        assert_eq!(keychain.recall("MinIO lab"), Ok(None));
        keychain.remember("MinIO lab", "first").unwrap();
        keychain.remember("MinIO lab", "second").unwrap();
        assert_eq!(keychain.recall("MinIO lab"), Ok(Some("second".into())));
        assert_eq!(
            keychain.recall("Garage"),
            Ok(None),
            "one entry per endpoint"
        );
        keychain.forget("MinIO lab").unwrap();
        assert_eq!(keychain.recall("MinIO lab"), Ok(None));
        keychain.forget("MinIO lab").unwrap();
    }

    #[test]
    fn a_keychain_that_cannot_be_reached_is_said_so() {
        let keychain = mock();
        let entry = keychain.entry("lab").unwrap();
        let cred: &keyring_core::mock::Cred = entry.as_any().downcast_ref().unwrap();
        cred.set_error(Error::NoStorageAccess("the collection is locked".into()));
        let e = entry.get_password().map_err(failure).unwrap_err();
        assert!(matches!(e, KeychainError::Unavailable(_)), "{e}");
        assert!(e.to_string().contains("locked"), "{e}");
        cred.set_error(Error::Invalid("user".into(), "too long".into()));
        let e = entry.get_password().map_err(failure).unwrap_err();
        assert!(matches!(e, KeychainError::Refused(_)), "{e}");
    }
}
