//! The search worker: one background thread that indexes the newest build's brief pages and
//! merges the bundle into the snapshot if that build is still current.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::mpsc::Receiver;

use super::server::{LiveSite, Snapshot};
use crate::diagnostics::Diagnostic;
use crate::output::Body;

/// The brief pages of one build, for the search worker.
pub(super) struct SearchJob {
    pub(super) pages: Vec<(String, Arc<Vec<u8>>)>,
    pub(super) language: String,
    pub(super) build: String,
}

/// Builds a search bundle: [`crate::search::index_serially`], or a stand-in in tests.
pub(super) type Indexer =
    fn(&[(String, Arc<Vec<u8>>)], &str) -> Result<BTreeMap<String, Arc<Vec<u8>>>, Diagnostic>;

/// Indexes jobs until the snapshot store goes away, merging each bundle into the snapshot if its
/// build is still the current one.
pub(super) fn search_worker(jobs: Receiver<SearchJob>, live: LiveSite, index: Indexer) {
    while let Ok(mut job) = jobs.recv() {
        // Only the newest build can still be current; the ones before it need no index.
        while let Ok(newer) = jobs.try_recv() {
            job = newer;
        }
        let bundle = match index(&job.pages, &job.language) {
            Ok(b) => b,
            Err(d) => {
                eprint!("{}", d.render(false));
                continue;
            }
        };
        let mut guard = match live.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if guard.build != job.build || guard.failure.is_some() {
            continue;
        }
        let mut files: BTreeMap<String, Body> = (*guard.files).clone();
        files.retain(|k, _| !k.starts_with("pagefind/"));
        for (k, v) in bundle {
            files.insert(k, Body::Bytes(v));
        }
        *guard = Arc::new(Snapshot {
            files: Arc::new(files),
            build: guard.build.clone(),
            failure: None,
            warnings: guard.warnings.clone(),
            drafts: guard.drafts.clone(),
            pdfs: guard.pdfs.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::RwLock;
    use std::sync::mpsc;

    use super::*;
    use crate::serve::server;

    #[test]
    fn the_search_worker_indexes_only_the_newest_build() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static CALLS: AtomicUsize = AtomicUsize::new(0);
        fn fake(
            _: &[(String, Arc<Vec<u8>>)],
            _: &str,
        ) -> Result<BTreeMap<String, Arc<Vec<u8>>>, Diagnostic> {
            CALLS.fetch_add(1, Ordering::SeqCst);
            Ok([("pagefind/x.pf_index".to_string(), Arc::new(b"x".to_vec()))].into())
        }
        let live: LiveSite = Arc::new(RwLock::new(Arc::new(Snapshot {
            files: Arc::new(BTreeMap::new()),
            build: "n-3".into(),
            failure: None,
            warnings: None,
            drafts: Default::default(),
            pdfs: Default::default(),
        })));
        // Three rebuilds faster than indexing: only the last one is still worth an index.
        let (tx, rx) = mpsc::channel();
        for build in ["n-1", "n-2", "n-3"] {
            let job = SearchJob {
                pages: Vec::new(),
                language: "en".into(),
                build: build.into(),
            };
            assert!(tx.send(job).is_ok());
        }
        drop(tx);
        search_worker(rx, live.clone(), fake);
        assert_eq!(CALLS.load(Ordering::SeqCst), 1);
        let snap = server::current(&live);
        assert!(snap.files.contains_key("pagefind/x.pf_index"));
        assert_eq!(snap.build, "n-3");
    }
}
