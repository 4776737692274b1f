//! A path dependency: cargo auditable records it with "source": "local".
pub const NAME: &str = "helper";
