//! Big zero-initialised buffers (stream blocks, whole executables) in anonymous memory maps
//! advised for transparent huge pages. A cold scan writes ~250 MB through such buffers;
//! with 4 KiB pages their first touch was ~10k page faults (a fifth of the scan's CPU
//! beyond decompressing and hashing), with 2 MiB pages it is a few dozen. The kernel
//! zeroes the pages, so no buffer is memset either. Where maps or huge pages are not
//! available the buffer is an ordinary heap allocation.

use std::ops::{Deref, DerefMut};

/// Size of a huge page on x86-64 and arm64 (4 KiB base pages): maps are sized in whole
/// huge pages so every page of them can be one.
pub(crate) const HUGE_PAGE: usize = 2 << 20;

/// A fixed-size buffer of zeroed bytes.
pub(crate) struct HugeBuf {
    storage: Storage,
}

enum Storage {
    Map(memmap2::MmapMut),
    Heap(Box<[u8]>),
}

impl HugeBuf {
    /// A zeroed buffer of at least `len` bytes: a huge-page-advised map (rounded up to whole
    /// huge pages) when `len` is at least one huge page, else the heap.
    pub(crate) fn zeroed(len: usize) -> Self {
        Self::mapped(len).unwrap_or_else(|| Self {
            storage: Storage::Heap(vec![0; len].into_boxed_slice()),
        })
    }

    /// A map of at least `len` zeroed bytes, `None` when `len` is under a huge page or no
    /// map of that size can be made. Pages are only allocated when first written.
    pub(crate) fn mapped(len: usize) -> Option<Self> {
        if len < HUGE_PAGE {
            return None;
        }
        let rounded = len.div_ceil(HUGE_PAGE).checked_mul(HUGE_PAGE)?;
        let map = memmap2::MmapOptions::new().len(rounded).map_anon().ok()?;
        // Only a hint: without transparent huge pages the map has normal pages.
        #[cfg(target_os = "linux")]
        let _ = map.advise(memmap2::Advice::HugePage);
        Some(Self {
            storage: Storage::Map(map),
        })
    }
}

impl Default for HugeBuf {
    /// An empty buffer (no allocation): a placeholder while a buffer is moved out.
    fn default() -> Self {
        Self::zeroed(0)
    }
}

impl Deref for HugeBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.storage {
            Storage::Map(map) => map,
            Storage::Heap(heap) => heap,
        }
    }
}

impl DerefMut for HugeBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        match &mut self.storage {
            Storage::Map(map) => map,
            Storage::Heap(heap) => heap,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_zeroed_writable_and_at_least_as_long_as_asked() {
        for len in [
            0,
            1,
            4096,
            HUGE_PAGE - 1,
            HUGE_PAGE,
            HUGE_PAGE + 1,
            3 * HUGE_PAGE,
        ] {
            let mut b = HugeBuf::zeroed(len);
            assert!(b.len() >= len, "{len}");
            assert!(b.iter().all(|&x| x == 0), "{len}");
            if let Some(last) = b.last_mut() {
                *last = 7;
            }
            if len >= HUGE_PAGE {
                assert_eq!(b.len() % HUGE_PAGE, 0, "maps are whole huge pages");
            }
        }
        assert!(HugeBuf::mapped(HUGE_PAGE - 1).is_none());
        // A size no map can have is refused, not an abort.
        assert!(HugeBuf::mapped(usize::MAX).is_none());
        assert!(HugeBuf::mapped(1 << 50).is_none());
    }
}
