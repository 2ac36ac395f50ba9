//! The caller of a request, as the domain sees it (no JWTs, no headers).

use super::federation::Federation;
use super::values::UserId;

/// Who is asking.
#[derive(Clone, Debug)]
pub enum Viewer {
    /// No credentials: sees `EVERYONE` interests only and may not write.
    Anonymous,
    /// A verified caller.
    Caller(Caller),
}

/// A verified caller and the claims the service uses.
#[derive(Clone, Debug)]
pub struct Caller {
    pub id: UserId,
    pub name: Option<String>,
    /// Organization (`tid`); `None`: in no organization.
    pub tenant_id: Option<String>,
    /// Groups (`groups`), deduplicated; empty: in no group.
    pub groups: Vec<String>,
    /// Organizations federated with `tenant_id` (configuration), not including it.
    pub federated_tenant_ids: Vec<String>,
    /// Calling application (`azp` or `appid`).
    pub app_id: Option<String>,
    pub app_name: Option<String>,
    pub device_id: Option<String>,
    /// Holds `Interests.ReadWrite.All`: sees and changes every interest.
    pub is_admin: bool,
}

impl Viewer {
    /// The caller, or `None` when anonymous.
    pub fn caller(&self) -> Option<&Caller> {
        match self {
            Self::Anonymous => None,
            Self::Caller(caller) => Some(caller),
        }
    }

    /// This viewer with the organizations federated with theirs, from `federation`.
    pub fn federated_with(mut self, federation: &Federation) -> Self {
        if let Self::Caller(caller) = &mut self {
            caller.federated_tenant_ids = caller
                .tenant_id
                .as_deref()
                .map(|t| federation.partners_of(t))
                .unwrap_or_default();
        }
        self
    }

    /// Whether this viewer may read and write everything.
    pub fn is_admin(&self) -> bool {
        self.caller().is_some_and(|c| c.is_admin)
    }
}
