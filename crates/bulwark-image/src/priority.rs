//! Thread priority for work off a scan's critical path. On two cores, a cold scan is bound
//! by the stream of its biggest layer; digest threads and the other layers have time to
//! spare, so they yield to it instead of sharing the cores evenly with it.

/// Nice increment for such threads: at +5 the kernel gives them a third of the weight of a
/// normal thread, so they still progress on a loaded machine.
pub const BACKGROUND_NICE: i32 = 5;

/// Lowers the calling thread's priority by [`BACKGROUND_NICE`] (Linux sets niceness per
/// thread). Best effort: an error changes nothing; a no-op on other systems. Only for
/// threads that end with the work: the priority cannot be raised back without privilege.
pub fn lower_current_thread() {
    #[cfg(target_os = "linux")]
    {
        let tid = rustix::thread::gettid();
        if let Ok(current) = rustix::process::getpriority_process(Some(tid)) {
            let _ = rustix::process::setpriority_process(
                Some(tid),
                (current + BACKGROUND_NICE).min(19),
            );
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn lowers_only_the_calling_thread() {
        let me = || rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap();
        let before = me();
        let inside = std::thread::spawn(move || {
            let start = me();
            lower_current_thread();
            (start, me())
        })
        .join()
        .unwrap();
        assert_eq!(inside.1, (inside.0 + BACKGROUND_NICE).min(19));
        assert_eq!(me(), before, "the spawning thread keeps its priority");
    }
}
