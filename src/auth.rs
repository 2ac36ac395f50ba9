//! Bearer tokens: verification into a [`Viewer`], and minting for development.
//!
//! A request without `Authorization` is anonymous; a bad, expired or wrongly signed token is
//! an error (HTTP 401), never a silent fallback to anonymous.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::values::UserId;
use crate::domain::{Caller, Viewer};

/// The role that makes a caller an admin.
pub const ADMIN_ROLE: &str = "Interests.ReadWrite.All";

/// The claims the service reads (API.md §6).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_displayname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deviceid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

impl Claims {
    /// Claims for `sub`, valid from now for `ttl`.
    pub fn new(sub: impl Into<String>, ttl: Duration) -> Self {
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2);
        Self {
            sub: sub.into(),
            iat: Some(now),
            nbf: Some(now),
            exp: now.saturating_add(ttl),
            ..Self::default()
        }
    }
}

/// Why a token was refused; the message is safe to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError(pub &'static str);

/// How tokens are verified.
#[derive(Clone, Debug, Default)]
pub struct AuthConfig {
    /// HS256 secret (also what `token` signs with).
    pub secret: Option<Vec<u8>>,
    /// JWKS file with RS256/ES256 public keys, selected by `kid`.
    pub jwks_file: Option<PathBuf>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
}

/// Verification keys by `kid`.
type KeySet = HashMap<String, (DecodingKey, Algorithm)>;

/// Public keys by `kid`, re-read from their file when a token names a key not seen yet.
struct Jwks {
    path: PathBuf,
    /// The keys and when they were read.
    state: RwLock<(KeySet, Instant)>,
}

/// How often an unknown `kid` may trigger a re-read of the JWKS file.
const JWKS_RELOAD_INTERVAL: Duration = Duration::from_secs(1);

fn read_jwks(path: &Path) -> anyhow::Result<KeySet> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let set: JwkSet =
        serde_json::from_str(&text).with_context(|| format!("{} is not a JWKS", path.display()))?;
    let mut keys = HashMap::new();
    for jwk in &set.keys {
        let Some(kid) = jwk.common.key_id.clone() else {
            tracing::warn!("a JWKS key without kid is ignored");
            continue;
        };
        let algorithm = match (&jwk.algorithm, jwk.common.key_algorithm) {
            (AlgorithmParameters::RSA(_), None | Some(KeyAlgorithm::RS256)) => Algorithm::RS256,
            (AlgorithmParameters::EllipticCurve(ec), None | Some(KeyAlgorithm::ES256))
                if ec.curve == EllipticCurve::P256 =>
            {
                Algorithm::ES256
            }
            _ => {
                tracing::warn!(
                    kid,
                    "a JWKS key that is neither RS256 nor ES256 (P-256) is ignored"
                );
                continue;
            }
        };
        let key = DecodingKey::from_jwk(jwk).with_context(|| format!("JWKS key {kid} is unusable"))?;
        keys.insert(kid, (key, algorithm));
    }
    Ok(keys)
}

impl Jwks {
    fn load(path: PathBuf) -> anyhow::Result<Self> {
        let keys = read_jwks(&path)?;
        anyhow::ensure!(
            !keys.is_empty(),
            "{} holds no RS256 or ES256 key with a kid",
            path.display()
        );
        Ok(Self {
            path,
            state: RwLock::new((keys, Instant::now())),
        })
    }

    fn find(&self, kid: &str) -> Option<(DecodingKey, Algorithm)> {
        let state = self.state.read().ok()?;
        state.0.get(kid).cloned()
    }

    /// The key `kid`, re-reading the file (at most every few seconds) when it is unknown.
    fn key(&self, kid: &str) -> Option<(DecodingKey, Algorithm)> {
        if let Some(found) = self.find(kid) {
            return Some(found);
        }
        let stale = self
            .state
            .read()
            .ok()
            .is_some_and(|s| s.1.elapsed() >= JWKS_RELOAD_INTERVAL);
        if stale {
            match read_jwks(&self.path) {
                Ok(keys) => {
                    if let Ok(mut state) = self.state.write() {
                        *state = (keys, Instant::now());
                    }
                }
                Err(err) => tracing::warn!(error = %err, "JWKS not reloaded"),
            }
        }
        self.find(kid)
    }
}

/// How long a verified token is taken on its text without checking its signature again: a
/// bound on how long a key removed from the JWKS still admits the tokens it signed.
const VERIFIED_FOR: Duration = Duration::from_secs(60);
/// Most verified tokens remembered (about 500 bytes each, so at most ~8 MB): more than the
/// callers one instance sees within [`VERIFIED_FOR`] at thousands of requests a second, so
/// that they are not verified again and again (4,096 re-verified every fifth request of the
/// benchmark's 5,000 callers).
const VERIFIED_CAPACITY: usize = 16_384;

/// A token whose signature and claims were checked: what it says and when it is valid.
struct Verified {
    caller: Caller,
    exp: i64,
    nbf: Option<i64>,
    at: Instant,
}

/// Verifies tokens (and, holding an HS256 secret, mints them).
pub struct Authenticator {
    hmac: Option<(DecodingKey, EncodingKey)>,
    jwks: Option<Jwks>,
    issuer: Option<String>,
    audience: Option<String>,
    leeway: Duration,
    /// Tokens verified lately, by their text. A client sends the same token with every
    /// request, and checking it (signature, claims, a caller built from them) cost more CPU
    /// than the SQL of a lookup by id (bench/RESULTS.md). The expiry and not-before times are
    /// still checked on every use.
    verified: Mutex<lru::LruCache<TokenDigest, Verified>>,
}

/// A token's SHA-256: the memo's key, a third the size of the token's text.
type TokenDigest = [u8; 32];

fn digest(token: &str) -> TokenDigest {
    Sha256::digest(token.as_bytes()).into()
}

impl Authenticator {
    /// From configuration; a JWKS file that cannot be read is an error at start.
    pub fn new(config: AuthConfig) -> anyhow::Result<Self> {
        let jwks = config.jwks_file.map(Jwks::load).transpose()?;
        Ok(Self {
            hmac: config
                .secret
                .map(|s| (DecodingKey::from_secret(&s), EncodingKey::from_secret(&s))),
            jwks,
            issuer: config.issuer,
            audience: config.audience,
            leeway: config.leeway,
            verified: verified_memo(),
        })
    }

    /// HS256 with `secret`; `iss`/`aud` are checked only when given.
    pub fn hs256(secret: &[u8], issuer: Option<String>, audience: Option<String>) -> Self {
        Self {
            hmac: Some((DecodingKey::from_secret(secret), EncodingKey::from_secret(secret))),
            jwks: None,
            issuer,
            audience,
            leeway: Duration::from_secs(60),
            verified: verified_memo(),
        }
    }

    fn validation(&self, algorithm: Algorithm) -> Validation {
        let mut validation = Validation::new(algorithm);
        validation.leeway = self.leeway.as_secs();
        validation.validate_nbf = true;
        // A configured issuer or audience must be present, not just right when present.
        let mut required = vec!["exp", "sub"];
        required.extend(self.issuer.as_ref().map(|_| "iss"));
        required.extend(self.audience.as_ref().map(|_| "aud"));
        validation.set_required_spec_claims(&required);
        match &self.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        if let Some(iss) = &self.issuer {
            validation.set_issuer(&[iss]);
        }
        validation
    }

    /// The viewer of a request from its `Authorization` header value (if any).
    pub fn viewer(&self, authorization: Option<&str>) -> Result<Viewer, AuthError> {
        let Some(value) = authorization else {
            return Ok(Viewer::Anonymous);
        };
        let token = match value.trim().split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => return Err(AuthError("the Authorization header must be `Bearer <token>`")),
        };
        let remembered_as = digest(token);
        if let Some(caller) = self.recall(&remembered_as) {
            return Ok(Viewer::Caller(caller));
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError("the token is invalid"))?;
        let (key, algorithm) = match header.alg {
            Algorithm::HS256 => match &self.hmac {
                Some((key, _)) => (key.clone(), Algorithm::HS256),
                None => return Err(AuthError("HS256 tokens are not accepted here")),
            },
            Algorithm::RS256 | Algorithm::ES256 => {
                let jwks = self
                    .jwks
                    .as_ref()
                    .ok_or(AuthError("RS256/ES256 tokens are not accepted here"))?;
                let kid = header
                    .kid
                    .as_deref()
                    .ok_or(AuthError("the token names no key (kid)"))?;
                let (key, algorithm) = jwks
                    .key(kid)
                    .ok_or(AuthError("the token's key (kid) is unknown"))?;
                if algorithm != header.alg {
                    return Err(AuthError("the token's algorithm does not match its key"));
                }
                (key, algorithm)
            }
            _ => return Err(AuthError("the token's algorithm is not accepted")),
        };
        let data = jsonwebtoken::decode::<Claims>(token, &key, &self.validation(algorithm)).map_err(|e| {
            tracing::debug!(reason = %e, "token refused");
            match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => AuthError("the token has expired"),
                jsonwebtoken::errors::ErrorKind::ImmatureSignature => AuthError("the token is not valid yet"),
                _ => AuthError("the token is invalid"),
            }
        })?;
        let (exp, nbf) = (data.claims.exp, data.claims.nbf);
        let caller = caller_of(data.claims)?;
        if let Ok(mut memo) = self.verified.lock() {
            let entry = Verified {
                caller: caller.clone(),
                exp,
                nbf,
                at: Instant::now(),
            };
            memo.put(remembered_as, entry);
        }
        Ok(Viewer::Caller(caller))
    }

    /// The caller of a token verified less than [`VERIFIED_FOR`] ago and valid now, with the
    /// same leeway as a full check; `None` sends the token through the full check (which also
    /// gives the reason an expired one is refused).
    fn recall(&self, key: &TokenDigest) -> Option<Caller> {
        let mut memo = self.verified.lock().ok()?;
        let entry = memo.get(key)?;
        let now = chrono::Utc::now().timestamp();
        let leeway = i64::try_from(self.leeway.as_secs()).unwrap_or(i64::MAX);
        let valid = entry.at.elapsed() < VERIFIED_FOR
            && now.saturating_sub(leeway) <= entry.exp
            && entry.nbf.is_none_or(|nbf| nbf <= now.saturating_add(leeway));
        if valid {
            Some(entry.caller.clone())
        } else {
            memo.pop(key);
            None
        }
    }

    /// A signed HS256 token for `claims`, with the configured issuer and audience filled in.
    pub fn mint(&self, mut claims: Claims) -> anyhow::Result<String> {
        let (_, encoding) = self
            .hmac
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("minting needs an HS256 secret"))?;
        if claims.iss.is_none() {
            claims.iss.clone_from(&self.issuer);
        }
        if claims.aud.is_none() {
            claims.aud.clone_from(&self.audience);
        }
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            encoding,
        )?)
    }
}

fn verified_memo() -> Mutex<lru::LruCache<TokenDigest, Verified>> {
    Mutex::new(lru::LruCache::new(
        NonZeroUsize::new(VERIFIED_CAPACITY).unwrap_or(NonZeroUsize::MIN),
    ))
}

/// Longest organization id accepted in `tid`.
const MAX_TENANT_LEN: usize = 128;
/// Longest group id and most groups accepted in `groups`.
const MAX_GROUP_LEN: usize = 255;
const MAX_GROUPS: usize = 1000;

fn caller_of(claims: Claims) -> Result<Caller, AuthError> {
    let id =
        UserId::parse("sub", &claims.sub).map_err(|_| AuthError("the token's sub is not a valid user id"))?;
    let non_empty = |s: Option<String>| s.filter(|v| !v.is_empty());
    let tenant_id = non_empty(claims.tid);
    let has_control = |s: &str| s.chars().any(char::is_control);
    if tenant_id
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_TENANT_LEN || has_control(t))
    {
        return Err(AuthError("the token's tid is not a valid organization id"));
    }
    let mut groups: Vec<String> = Vec::new();
    for group in claims.groups.unwrap_or_default() {
        if group.is_empty() || group.chars().count() > MAX_GROUP_LEN || has_control(&group) {
            return Err(AuthError("the token's groups hold an invalid group id"));
        }
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    if groups.len() > MAX_GROUPS {
        return Err(AuthError("the token holds too many groups"));
    }
    let roles = claims.roles.unwrap_or_default();
    Ok(Caller {
        id,
        name: non_empty(claims.name),
        tenant_id,
        groups,
        federated_tenant_ids: Vec::new(),
        app_id: non_empty(claims.azp).or(non_empty(claims.appid)),
        app_name: non_empty(claims.app_displayname),
        device_id: non_empty(claims.deviceid),
        is_admin: roles.iter().any(|r| r == ADMIN_ROLE),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Authenticator {
        Authenticator::hs256(b"0123456789abcdef0123", None, None)
    }

    #[test]
    fn no_header_is_anonymous_and_a_bad_one_is_refused() {
        let a = auth();
        assert!(matches!(a.viewer(None), Ok(Viewer::Anonymous)));
        assert!(a.viewer(Some("Basic abc")).is_err());
        assert!(a.viewer(Some("Bearer not.a.jwt")).is_err());
    }

    #[test]
    fn a_minted_token_round_trips_with_its_claims() {
        let a = auth();
        let mut claims = Claims::new("alice", Duration::from_secs(60));
        claims.tid = Some("contoso".into());
        claims.roles = Some(vec![ADMIN_ROLE.into()]);
        claims.appid = Some("app-1".into());
        let token = a.mint(claims).unwrap();
        let Viewer::Caller(c) = a.viewer(Some(&format!("Bearer {token}"))).unwrap() else {
            panic!("expected a caller");
        };
        assert_eq!(c.id.as_str(), "alice");
        assert_eq!(c.tenant_id.as_deref(), Some("contoso"));
        assert_eq!(c.app_id.as_deref(), Some("app-1"));
        assert!(c.is_admin);
    }

    #[test]
    fn organization_and_group_ids_with_control_characters_are_refused() {
        let a = auth();
        let refused = |claims: Claims| {
            let token = a.mint(claims).unwrap();
            a.viewer(Some(&format!("Bearer {token}"))).unwrap_err()
        };
        let mut claims = Claims::new("alice", Duration::from_secs(60));
        claims.tid = Some("con\0toso".into());
        assert_eq!(
            refused(claims),
            AuthError("the token's tid is not a valid organization id")
        );
        let mut claims = Claims::new("alice", Duration::from_secs(60));
        claims.groups = Some(vec!["g-1".into(), "g\n2".into()]);
        assert_eq!(
            refused(claims),
            AuthError("the token's groups hold an invalid group id")
        );
    }

    #[test]
    fn expired_and_foreign_tokens_are_refused() {
        let a = auth();
        let mut claims = Claims::new("alice", Duration::from_secs(60));
        claims.exp = chrono::Utc::now().timestamp() - 3600;
        let expired = a.mint(claims).unwrap();
        assert_eq!(
            a.viewer(Some(&format!("Bearer {expired}"))).unwrap_err(),
            AuthError("the token has expired")
        );
        let other = Authenticator::hs256(b"another-secret-of-enough-length", None, None);
        let foreign = other.mint(Claims::new("alice", Duration::from_secs(60))).unwrap();
        assert!(a.viewer(Some(&format!("Bearer {foreign}"))).is_err());
    }

    #[test]
    fn issuer_and_audience_are_checked_when_configured() {
        let strict = Authenticator::hs256(
            b"0123456789abcdef0123",
            Some("iss-a".into()),
            Some("aud-a".into()),
        );
        let good = strict.mint(Claims::new("bob", Duration::from_secs(60))).unwrap();
        assert!(strict.viewer(Some(&format!("Bearer {good}"))).is_ok());
        let loose = auth().mint(Claims::new("bob", Duration::from_secs(60))).unwrap();
        assert!(strict.viewer(Some(&format!("Bearer {loose}"))).is_err());
    }
}
