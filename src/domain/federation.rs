//! Federated organizations: pairs of tenants whose people see each other's
//! `FEDERATED_ORGANIZATIONS` interests. Symmetric, not transitive.

use std::collections::{BTreeMap, BTreeSet};

/// The configured federation pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Federation {
    partners: BTreeMap<String, BTreeSet<String>>,
}

impl Federation {
    /// Reads `a:b,a:c` (a is federated with b and with c, both ways). Empty means none.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut federation = Self::default();
        for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (a, b) = pair
                .split_once(':')
                .map(|(a, b)| (a.trim(), b.trim()))
                .filter(|(a, b)| !a.is_empty() && !b.is_empty() && !b.contains(':'))
                .ok_or_else(|| format!("`{pair}` is not a pair of organizations like `contoso:fabrikam`"))?;
            if a == b {
                return Err(format!("`{pair}` federates an organization with itself"));
            }
            federation
                .partners
                .entry(a.to_owned())
                .or_default()
                .insert(b.to_owned());
            federation
                .partners
                .entry(b.to_owned())
                .or_default()
                .insert(a.to_owned());
        }
        Ok(federation)
    }

    /// The organizations federated with `tenant` (not `tenant` itself).
    pub fn partners_of(&self, tenant: &str) -> Vec<String> {
        self.partners
            .get(tenant)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_symmetric_and_not_transitive() {
        let f = Federation::parse("a:b, a:c").unwrap();
        assert_eq!(f.partners_of("a"), ["b", "c"]);
        assert_eq!(f.partners_of("b"), ["a"]);
        assert_eq!(f.partners_of("c"), ["a"]);
        assert!(f.partners_of("d").is_empty());
        assert_eq!(Federation::parse("").unwrap(), Federation::default());
    }

    #[test]
    fn malformed_pairs_are_refused() {
        for bad in ["a", "a:", ":b", "a:b:c", "a:a"] {
            assert!(Federation::parse(bad).is_err(), "{bad}");
        }
    }
}
