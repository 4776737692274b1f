//! Caps on how much a layer may decompress to: the guard against decompression bombs.

/// Size caps applied while streaming layers. Exceeding one is an input error, not a panic
/// and not an out-of-memory kill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most uncompressed bytes one layer may expand to.
    pub max_layer_bytes: u64,
    /// Most uncompressed bytes the whole image may expand to.
    pub max_image_bytes: u64,
    /// Largest single file an analyzer may be handed in memory.
    pub max_file_bytes: u64,
    /// Most entries one layer may hold.
    pub max_entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_layer_bytes: 16 << 30,
            max_image_bytes: 64 << 30,
            max_file_bytes: 256 << 20,
            max_entries: 5_000_000,
        }
    }
}
