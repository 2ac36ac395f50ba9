//! The entities under short names.

pub use crate::interest::Entity as Interest;
pub use crate::interest_category::Entity as InterestCategory;
pub use crate::interest_tag::Entity as InterestTag;
