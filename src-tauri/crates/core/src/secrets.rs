//! Credentials: the `Secret` type that never prints or serialises its value, the OS keychain store (service
//! "syncflow", one account per credential key) with an in-memory stand-in for tests, and the resolver that reads a
//! connection's secret from its environment variable or the keychain — never from the database.

use crate::error::{Coded, ErrorCode};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

/// Keychain service name every SyncFlow credential lives under.
pub const KEYCHAIN_SERVICE: &str = "syncflow";

/// A password or token. Prints as `<redacted>` and has no `Serialize`, so it cannot reach logs, files or the UI.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one place that must send it (an HTTP body or header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("no credential is stored for '{0}'")]
    NotFound(String),
    #[error(
        "the keychain is locked: unlock it (log in to the desktop session) and try again ({0})"
    )]
    Locked(String),
    #[error("no keychain service is running (no Secret Service on the session bus): {0}")]
    NoService(String),
    #[error("keychain error for '{key}': {message}")]
    Other { key: String, message: String },
}

impl Coded for SecretError {
    fn code(&self) -> ErrorCode {
        match self {
            SecretError::NotFound(_) => ErrorCode::NotFound,
            _ => ErrorCode::Keychain,
        }
    }
}

/// Where secrets are kept, by credential key (the key string the database stores instead of the secret).
/// Calls may block on D-Bus: call them from `spawn_blocking` in async code.
pub trait SecretStore: Send + Sync {
    fn get(&self, key: &str) -> Result<Secret, SecretError>;
    fn set(&self, key: &str, secret: &Secret) -> Result<(), SecretError>;
    /// Deleting a key that holds nothing is not an error.
    fn delete(&self, key: &str) -> Result<(), SecretError>;
}

/// The OS keychain (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows).
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
}

impl Default for KeyringStore {
    fn default() -> Self {
        Self {
            service: KEYCHAIN_SERVICE.into(),
        }
    }
}

impl KeyringStore {
    /// A store under another service name (tests use one so they never touch the app's entries).
    pub fn with_service(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, key).map_err(|e| map_keyring(key, e))
    }
}

/// Turns keyring's errors into messages a planner can act on.
pub fn map_keyring(key: &str, e: keyring::Error) -> SecretError {
    match e {
        keyring::Error::NoEntry => SecretError::NotFound(key.into()),
        keyring::Error::NoStorageAccess(inner) => SecretError::Locked(inner.to_string()),
        keyring::Error::PlatformFailure(inner) => {
            let msg = inner.to_string();
            // zbus/dbus report a missing session bus as an autolaunch or connection failure.
            let lower = msg.to_lowercase();
            if [
                "autolaunch",
                "session bus",
                "dbus_session_bus_address",
                "connection refused",
                "no such file",
            ]
            .iter()
            .any(|p| lower.contains(p))
                || lower.contains("org.freedesktop.secrets")
            {
                SecretError::NoService(msg)
            } else {
                SecretError::Other {
                    key: key.into(),
                    message: format!("platform failure: {msg}"),
                }
            }
        }
        other => SecretError::Other {
            key: key.into(),
            message: other.to_string(),
        },
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, key: &str) -> Result<Secret, SecretError> {
        self.entry(key)?
            .get_password()
            .map(Secret)
            .map_err(|e| map_keyring(key, e))
    }

    fn set(&self, key: &str, secret: &Secret) -> Result<(), SecretError> {
        self.entry(key)?
            .set_password(secret.expose())
            .map_err(|e| map_keyring(key, e))
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring(key, e)),
        }
    }
}

/// Another store, remembering for the session whether each key holds a credential: learnt from every read, write
/// and delete that goes through it. The connection list asks `known` instead of reading every secret again, since a
/// locked keychain may prompt on every read. A change made outside the app (another process, the keychain's own
/// tool) shows once something reads that key again.
pub struct PresenceCache {
    inner: Arc<dyn SecretStore>,
    known: Mutex<HashMap<String, bool>>,
}

impl PresenceCache {
    pub fn new(inner: Arc<dyn SecretStore>) -> Self {
        Self {
            inner,
            known: Mutex::default(),
        }
    }

    /// Whether `key` holds a credential, if this session has learnt it.
    pub fn known(&self, key: &str) -> Option<bool> {
        self.known
            .lock()
            .expect("presence cache poisoned")
            .get(key)
            .copied()
    }

    fn note(&self, key: &str, present: bool) {
        self.known
            .lock()
            .expect("presence cache poisoned")
            .insert(key.to_owned(), present);
    }
}

impl SecretStore for PresenceCache {
    fn get(&self, key: &str) -> Result<Secret, SecretError> {
        let got = self.inner.get(key);
        match &got {
            Ok(_) => self.note(key, true),
            Err(SecretError::NotFound(_)) => self.note(key, false),
            // Locked or unavailable: nothing learnt.
            Err(_) => {}
        }
        got
    }

    fn set(&self, key: &str, secret: &Secret) -> Result<(), SecretError> {
        self.inner.set(key, secret)?;
        self.note(key, true);
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        self.inner.delete(key)?;
        self.note(key, false);
        Ok(())
    }
}

/// A store in memory, for unit tests and demo mode.
#[derive(Debug, Default)]
pub struct MemoryStore {
    items: Mutex<HashMap<String, Secret>>,
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &str) -> Result<Secret, SecretError> {
        let items = self.items.lock().expect("memory store poisoned");
        items
            .get(key)
            .cloned()
            .ok_or_else(|| SecretError::NotFound(key.into()))
    }

    fn set(&self, key: &str, secret: &Secret) -> Result<(), SecretError> {
        self.items
            .lock()
            .expect("memory store poisoned")
            .insert(key.into(), secret.clone());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        self.items
            .lock()
            .expect("memory store poisoned")
            .remove(key);
        Ok(())
    }
}

/// Where one connection's secret comes from: the keychain entry, unless the named environment variable is set
/// (headless runs, CI). The database holds only these two names, never the secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretRef {
    pub credential_key: String,
    pub env_var: Option<String>,
}

/// The secret for `r`: from its environment variable if that is set and not empty, else from `store`.
pub fn resolve(r: &SecretRef, store: &dyn SecretStore) -> Result<Secret, SecretError> {
    resolve_with_env(r, store, |name| std::env::var(name).ok())
}

/// `resolve` with the environment injected, so tests need not change the process's environment.
pub fn resolve_with_env(
    r: &SecretRef,
    store: &dyn SecretStore,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Secret, SecretError> {
    if let Some(value) = r.env_var.as_deref().and_then(env).filter(|v| !v.is_empty()) {
        return Ok(Secret(value));
    }
    store.get(&r.credential_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints_its_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{s}"), "<redacted>");
        assert_eq!(
            format!("{:?}", Some(s.clone())),
            "Some(<redacted>)",
            "nested Debug must hide it too"
        );
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn environment_variable_wins_over_the_keychain() {
        let store = MemoryStore::default();
        store
            .set("conn-1/password", &Secret::new("from-keychain"))
            .unwrap();
        let r = SecretRef {
            credential_key: "conn-1/password".into(),
            env_var: Some("SF_PW".into()),
        };
        let env_set = |n: &str| (n == "SF_PW").then(|| "from-env".to_string());
        assert_eq!(
            resolve_with_env(&r, &store, env_set).unwrap().expose(),
            "from-env"
        );
        let env_empty = |_: &str| Some(String::new());
        assert_eq!(
            resolve_with_env(&r, &store, env_empty).unwrap().expose(),
            "from-keychain",
            "empty env is unset"
        );
        assert_eq!(
            resolve_with_env(&r, &store, |_| None).unwrap().expose(),
            "from-keychain"
        );
    }

    #[test]
    fn missing_secret_is_not_found_and_delete_is_idempotent() {
        let store = MemoryStore::default();
        let r = SecretRef {
            credential_key: "absent".into(),
            env_var: None,
        };
        let err = resolve(&r, &store).unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound);
        assert!(
            err.to_string().contains("absent"),
            "message names the key: {err}"
        );
        store.delete("absent").expect("deleting nothing is fine");
    }

    #[test]
    fn keyring_errors_become_actionable_messages() {
        let locked = map_keyring(
            "k",
            keyring::Error::NoStorageAccess("locked collection".into()),
        );
        assert!(locked.to_string().contains("the keychain is locked"));
        assert_eq!(locked.code(), ErrorCode::Keychain);
        let no_bus = map_keyring(
            "k",
            keyring::Error::PlatformFailure(
                "I/O error: Unable to autolaunch a dbus-daemon without a $DISPLAY".into(),
            ),
        );
        assert!(
            no_bus
                .to_string()
                .contains("no keychain service is running"),
            "{no_bus}"
        );
    }
}
