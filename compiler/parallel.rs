//! Order-keeping work sharing over the machine's cores, for the stages whose items are
//! independent (a service to walk, decode or lower; an object to build and write as text).
//!
//! The work runs on one pool of threads started at first use and kept for the run, the main
//! thread among them: starting threads for each step cost a tenth of a 50-service build in the
//! kernel (`clone3`, stacks, fresh allocator arenas), more than the steps saved.

use std::num::NonZero;
use std::sync::OnceLock;
use std::thread::ThreadId;

use rayon::iter::{IntoParallelIterator, ParallelIterator};

/// Fewer items than this are done on the calling thread: handing work to the pool costs tens of
/// microseconds, what walking a few dozen services takes, and the pool may still be busy
/// building the schema validator.
const MIN_PARALLEL_ITEMS: usize = 64;

/// At most this many threads unless `STACKC_THREADS` asks for more: past it, each thread's
/// allocator arena adds memory faster than the work shrinks.
const MAX_THREADS: usize = 4;

/// `f` applied to every item, in item order. Items may be mutable borrows of disjoint parts of
/// one tree.
pub(crate) fn map<T: Send, R: Send>(
    items: impl IntoIterator<Item = T>,
    f: impl Fn(T) -> R + Sync + Send,
) -> Vec<R> {
    map_from(MIN_PARALLEL_ITEMS, items, f)
}

/// [`map`] for items that each take a hundred microseconds or more, which are shared between
/// the threads however few they are.
pub(crate) fn map_costly<T: Send, R: Send>(
    items: impl IntoIterator<Item = T>,
    f: impl Fn(T) -> R + Sync + Send,
) -> Vec<R> {
    map_from(2, items, f)
}

/// [`map`] on the pool from `min_items` items on, on the calling thread below.
fn map_from<T: Send, R: Send>(
    min_items: usize,
    items: impl IntoIterator<Item = T>,
    f: impl Fn(T) -> R + Sync + Send,
) -> Vec<R> {
    let items: Vec<T> = items.into_iter().collect();
    match pool() {
        Some(pool) if items.len() >= min_items => {
            pool.install(|| items.into_par_iter().map(f).collect())
        }
        _ => items.into_iter().map(f).collect(),
    }
}

/// [`map`] for steps that can fail: every item is done, and the error returned is the first in
/// item order, the one a loop that stops at its first error would have returned.
pub(crate) fn try_for_each<T: Send, E: Send>(
    items: impl IntoIterator<Item = T>,
    f: impl Fn(T) -> Result<(), E> + Sync + Send,
) -> Result<(), E> {
    map(items, f).into_iter().collect()
}

/// Both results, `a` and `b` run side by side.
pub(crate) fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    match pool() {
        Some(pool) => pool.install(|| rayon::join(a, b)),
        None => (a(), b()),
    }
}

/// Runs `f` on the pool while the caller goes on: for work done ahead of its need, which
/// without a pool is left to the caller that needs it.
pub(crate) fn ahead(f: impl FnOnce() + Send + 'static) {
    if let Some(pool) = pool() {
        pool.spawn(f);
    }
}

/// The environment variable that sets the number of pool threads (the main thread joins them);
/// `1` runs every step on the calling thread.
const THREADS_VARIABLE: &str = "STACKC_THREADS";

/// The thread that joins the pool when it builds it, named by the process's entry point.
static JOINING_THREAD: OnceLock<ThreadId> = OnceLock::new();

/// Makes the calling thread, which runs the command line and lives as long as the process, a
/// member of the pool (see [`pool`]). Threads that never call it, such as the test harness's,
/// hand their steps to the pool.
pub(crate) fn join_from_this_thread() {
    let _ = JOINING_THREAD.set(std::thread::current().id());
}

/// The pool, or `None` with one thread (one core, `STACKC_THREADS=1`, or where threads cannot be
/// started): then every step runs on the calling thread.
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let threads = std::env::var(THREADS_VARIABLE)
            .ok()
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map_or(1, NonZero::get)
                    .min(MAX_THREADS)
            });
        if threads < 2 {
            return None;
        }
        let builder = rayon::ThreadPoolBuilder::new().thread_name(|i| format!("stackc-{i}"));
        // The thread that runs the command line, and every step that is not shared, also joins
        // the pool: a shared step then starts on it at once instead of waking a pool thread and
        // sleeping until the step is done, two hand-offs that each cost tens of microseconds
        // and, on these virtual machines, often wake the other thread on the main thread's own
        // core. The pool keeps its `threads` threads besides, for the work done ahead (the
        // schema validator, freeing the chart's values) and to share the steps. On two cores:
        // 50 services 5.49 -> 4.95 ms; 200 and 1000 services unchanged.
        let builder = if JOINING_THREAD.get() == Some(&std::thread::current().id()) {
            builder.num_threads(threads + 1).use_current_thread()
        } else {
            builder.num_threads(threads)
        };
        builder.build().ok()
    })
    .as_ref()
}

#[cfg(test)]
mod tests {
    use super::{join, map, try_for_each};

    #[test]
    fn results_keep_item_order_whatever_the_thread_count() {
        for len in [0, 1, 63, 64, 65, 129, 1000] {
            let items: Vec<usize> = (0..len).collect();
            let doubled = map(&items, |i| i * 2);
            assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
            let mut cells = items.clone();
            map(cells.iter_mut(), |cell| *cell += 1);
            assert_eq!(cells, items.iter().map(|i| i + 1).collect::<Vec<_>>());
        }
    }

    #[test]
    fn the_first_error_in_item_order_is_returned() {
        let items: Vec<usize> = (0..200).collect();
        let result = try_for_each(&items, |i| if i % 70 == 69 { Err(*i) } else { Ok(()) });
        assert_eq!(result, Err(69));
        assert_eq!(try_for_each(&items, |_| Ok::<(), usize>(())), Ok(()));
    }

    #[test]
    fn join_returns_both_results_in_place() {
        assert_eq!(join(|| 1, || "two"), (1, "two"));
    }
}
