//! Report formats (being written).
