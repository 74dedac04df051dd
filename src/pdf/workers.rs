//! Runs one job per brief on plain threads, not as rayon tasks.
//!
//! typst-pdf's writer (krilla) hands work to rayon and, while it waits, calls
//! `rayon::yield_now`, which runs whatever task is queued on that thread: inside a rayon
//! `par_iter` that is another brief's whole typesetting, on the same stack. With one rayon
//! thread (`RAYON_NUM_THREADS=1`) the briefs nested until the stack overflowed (200 briefs
//! aborted the build); with two, nested briefs each held a finished document in memory. A
//! thread that is not rayon's gets `None` from `yield_now` and simply waits, so each brief
//! runs to its end before its worker takes the next.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Typst lays out nested content by recursion; give each worker what a main thread has.
const STACK: usize = 8 << 20;

/// `f` applied to every item, in the items' order, on up to `threads` workers.
pub fn map<T, R, F>(items: &[T], threads: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            done.push((i, f(item)));
        }
        done
    };
    let mut all: Vec<(usize, R)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads.clamp(1, items.len().max(1)))
            .filter_map(|_| {
                std::thread::Builder::new()
                    .stack_size(STACK)
                    .spawn_scoped(s, work)
                    .ok()
            })
            .collect();
        // The caller only waits (it may itself be a rayon thread); it works alone only when
        // no thread could be started.
        if workers.is_empty() {
            return work();
        }
        let mut all = Vec::with_capacity(items.len());
        for w in workers {
            match w.join() {
                Ok(done) => all.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    });
    all.sort_unstable_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::map;

    #[test]
    fn every_item_once_in_order_whatever_the_thread_count() {
        let items: Vec<u32> = (0..100).collect();
        for threads in [0, 1, 2, 7, 200] {
            assert_eq!(
                map(&items, threads, |x| x * 2),
                (0..100).map(|x| x * 2).collect::<Vec<_>>()
            );
        }
        assert!(map(&Vec::<u32>::new(), 2, |x| *x).is_empty());
    }

    #[test]
    fn a_job_does_not_run_inside_another_on_the_same_thread() {
        // Inside a rayon task, yield_now would run a queued sibling task here; on a worker
        // of `map` it finds no pool and returns None, also when `map` is called from a
        // rayon thread.
        let items: Vec<u32> = (0..4).collect();
        let yielded = rayon::scope(|_| map(&items, 2, |_| rayon::yield_now().is_some()));
        assert_eq!(yielded, vec![false; 4]);
    }
}
