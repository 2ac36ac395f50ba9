//! Batched loading for nested reads, made per request (answers depend on the viewer): a page
//! of interests with their owners' names, or many users' interests, costs a fixed number of
//! statements whatever the page size.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::DatabaseConnection;

use crate::db::Reader;
use crate::domain::directory;
use crate::domain::interests::{self, InterestFilter, Page};
use crate::domain::pagination::Order;
use crate::domain::values::{InterestId, UserId};
use crate::domain::Viewer;
use crate::error::AppResult;

/// The loaders of one request.
pub struct RequestLoaders {
    pub display_names: DataLoader<DisplayNames>,
    pub first_pages: DataLoader<FirstPages>,
    pub counts: DataLoader<Counts>,
    pub interests: DataLoader<Interests>,
}

impl RequestLoaders {
    /// Loaders that gather keys for `window` before they query (`--batch-window`): sibling
    /// fields register their keys in one pass over a page, and a batch split by a too-short
    /// window costs one more statement, not one per item.
    pub fn new(reader: Reader, viewer: Viewer, window: Duration) -> Self {
        let db = reader.db.clone();
        Self {
            display_names: DataLoader::new(DisplayNames { db: db.clone() }, tokio::spawn).delay(window),
            first_pages: DataLoader::new(
                FirstPages {
                    reader,
                    viewer: viewer.clone(),
                },
                tokio::spawn,
            )
            .delay(window),
            counts: DataLoader::new(
                Counts {
                    db: db.clone(),
                    viewer: viewer.clone(),
                },
                tokio::spawn,
            )
            .delay(window),
            interests: DataLoader::new(Interests { db, viewer }, tokio::spawn).delay(window),
        }
    }
}

/// Users' display names from the directory.
pub struct DisplayNames {
    db: DatabaseConnection,
}

impl Loader<UserId> for DisplayNames {
    type Value = String;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[UserId]) -> Result<HashMap<UserId, String>, Self::Error> {
        Ok(directory::display_names(&self.db, keys).await?)
    }
}

/// What a nested connection asks for, shared by all the profiles it is asked of.
#[derive(Debug)]
pub struct PageSpec {
    pub filter: InterestFilter,
    pub order: Order,
    pub first: u64,
    fingerprint: String,
}

impl PageSpec {
    pub fn new(filter: InterestFilter, order: Order, first: u64) -> Arc<Self> {
        let fingerprint = format!("{filter:?}|{order:?}|{first}");
        Arc::new(Self {
            filter,
            order,
            first,
            fingerprint,
        })
    }
}

/// One profile under one [`PageSpec`].
#[derive(Clone, Debug)]
pub struct ProfileKey {
    pub owner: UserId,
    pub spec: Arc<PageSpec>,
}

impl PartialEq for ProfileKey {
    fn eq(&self, other: &Self) -> bool {
        self.owner == other.owner && self.spec.fingerprint == other.spec.fingerprint
    }
}

impl Eq for ProfileKey {}

impl Hash for ProfileKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.owner.hash(state);
        self.spec.fingerprint.hash(state);
    }
}

/// Loads `keys` with one call of `load` per distinct spec (one statement each).
async fn by_spec<V, F, Fut>(
    keys: &[ProfileKey],
    load: F,
) -> Result<HashMap<ProfileKey, V>, async_graphql::Error>
where
    F: Fn(Arc<PageSpec>, Vec<UserId>) -> Fut,
    Fut: std::future::Future<Output = AppResult<HashMap<UserId, V>>>,
{
    let mut groups: HashMap<&str, (Arc<PageSpec>, Vec<UserId>)> = HashMap::new();
    for key in keys {
        groups
            .entry(key.spec.fingerprint.as_str())
            .or_insert_with(|| (key.spec.clone(), Vec::new()))
            .1
            .push(key.owner.clone());
    }
    let mut loaded = HashMap::new();
    for (spec, owners) in groups.into_values() {
        for (owner, value) in load(spec.clone(), owners).await? {
            loaded.insert(
                ProfileKey {
                    owner,
                    spec: spec.clone(),
                },
                value,
            );
        }
    }
    Ok(loaded)
}

/// First pages of `User.interests` for many users at once.
pub struct FirstPages {
    reader: Reader,
    viewer: Viewer,
}

impl Loader<ProfileKey> for FirstPages {
    type Value = Page;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ProfileKey]) -> Result<HashMap<ProfileKey, Page>, Self::Error> {
        by_spec(keys, |spec, owners| async move {
            interests::first_pages(
                &self.reader,
                &self.viewer,
                &spec.filter,
                spec.order,
                spec.first,
                &owners,
            )
            .await
        })
        .await
    }
}

/// `User.interests.totalCount` for many users at once.
pub struct Counts {
    db: DatabaseConnection,
    viewer: Viewer,
}

impl Loader<ProfileKey> for Counts {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ProfileKey]) -> Result<HashMap<ProfileKey, u64>, Self::Error> {
        by_spec(keys, |spec, owners| async move {
            interests::counts_by_owner(&self.db, &self.viewer, &spec.filter, &owners).await
        })
        .await
    }
}

/// Interests by id, as the viewer sees them (federation's `_entities` asks for many at once).
pub struct Interests {
    db: DatabaseConnection,
    viewer: Viewer,
}

impl Loader<InterestId> for Interests {
    type Value = interests::Interest;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[InterestId],
    ) -> Result<HashMap<InterestId, interests::Interest>, Self::Error> {
        Ok(interests::get_many(&self.db, &self.viewer, keys).await?)
    }
}
