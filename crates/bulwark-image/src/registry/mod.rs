//! Registry source: pulls images over the OCI distribution API (being written).
