//! Database access: pool, queries, migrations.
pub mod migrate;
pub mod pool;
pub mod queries;

pub use queries::{Db, DbError};
