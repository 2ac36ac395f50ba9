//! The entities under short names.

pub use crate::directory_group::Entity as DirectoryGroup;
pub use crate::directory_user::Entity as DirectoryUser;
pub use crate::interest::Entity as Interest;
pub use crate::interest_category::Entity as InterestCategory;
pub use crate::interest_tag::Entity as InterestTag;
pub use crate::interest_tag_category::Entity as InterestTagCategory;
pub use crate::relationship::Entity as Relationship;
