//! rpm database readers (being written).
