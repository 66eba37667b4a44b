//! Order-keeping work sharing over the machine's cores, for the stages whose items are
//! independent (building and serializing one object per item).

use std::num::NonZero;
use std::sync::OnceLock;

/// Fewer items than this are done on the calling thread: starting a thread costs tens of
/// microseconds, about what a handful of objects take to build and serialize.
const MIN_PARALLEL_ITEMS: usize = 16;

/// At most this many threads: past it, each thread's allocator arena adds memory faster than
/// the work shrinks.
const MAX_THREADS: usize = 4;

/// `f` applied to every item, in item order. Items are dealt round-robin to the threads, so
/// that a run of heavy items (every workload comes last) is shared too.
pub(crate) fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads().min(items.len() / MIN_PARALLEL_ITEMS).max(1);
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let share =
        |first: usize| -> Vec<R> { items.iter().skip(first).step_by(threads).map(&f).collect() };
    let mut shares: Vec<std::vec::IntoIter<R>> = std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads)
            .map(|first| scope.spawn(move || share(first)))
            .collect();
        let mut shares = vec![share(0).into_iter()];
        shares.extend(others.into_iter().map(|other| {
            other
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                .into_iter()
        }));
        shares
    });
    (0..items.len())
        .map(|i| {
            shares[i % threads]
                .next()
                .expect("each share holds every threads-th result")
        })
        .collect()
}

fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, NonZero::get)
            .min(MAX_THREADS)
    })
}

#[cfg(test)]
mod tests {
    use super::map;

    #[test]
    fn results_keep_item_order_whatever_the_thread_count() {
        for len in [0, 1, 15, 16, 17, 33, 64, 1000] {
            let items: Vec<usize> = (0..len).collect();
            let doubled = map(&items, |i| i * 2);
            assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        }
    }
}
