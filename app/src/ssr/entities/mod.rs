//! SeaORM entities for the tables with their own services (users, tokens, sessions, sign-in
//! attempts). Inventory tables are handled generically through `schema` and sea-query.

pub mod api_token;
pub mod login_attempt;
pub mod session;
pub mod user;
