//! Process-wide free lists for the big buffers of layer streams (read blocks, whole-file
//! buffers): the next layer reuses pages already faulted in instead of mapping fresh ones.

use std::sync::Mutex;

/// A free list that keeps at most `keep` items; a poisoned lock only costs the reuse.
pub(crate) struct Pool<T> {
    items: Mutex<Vec<T>>,
    keep: usize,
}

impl<T> Pool<T> {
    /// An empty pool keeping at most `keep` items.
    pub(crate) const fn new(keep: usize) -> Self {
        Self {
            items: Mutex::new(Vec::new()),
            keep,
        }
    }

    /// A pooled item that `fits`, if any.
    pub(crate) fn take(&self, fits: impl Fn(&T) -> bool) -> Option<T> {
        let mut items = self.items.lock().ok()?;
        let at = items.iter().rposition(fits)?;
        Some(items.swap_remove(at))
    }

    /// Keeps `item` for reuse, unless the pool is full (then it is freed).
    pub(crate) fn give(&self, item: T) {
        if let Ok(mut items) = self.items.lock() {
            if items.len() < self.keep {
                items.push(item);
            }
        }
    }

    /// Frees every pooled item.
    pub(crate) fn clear(&self) {
        if let Ok(mut items) = self.items.lock() {
            *items = Vec::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_at_most_its_bound_and_hands_out_what_fits() {
        let pool = Pool::new(2);
        for n in [1, 5, 9] {
            pool.give(n);
        }
        assert_eq!(pool.take(|&n| n > 3), Some(5), "9 was over the bound");
        assert_eq!(pool.take(|&n| n > 3), None);
        assert_eq!(pool.take(|_| true), Some(1));
        pool.give(7);
        pool.clear();
        assert_eq!(pool.take(|_| true), None);
    }
}
