//! Related briefs: for each brief, up to [`RELATED`] others filed under the same terms, best
//! first. The scoring is documented for analysts in docs/content.md ("Related briefs").
//!
//! A term shared by every brief (the country a site is about) once made every pair of briefs
//! a candidate, so the model stage grew with the square of the site. Two rules keep the work
//! near-linear and the picks meaningful: a term weighs less the more briefs carry it, and a
//! term only proposes the briefs filed within [`WINDOW`] places of this one in its own
//! newest-first list. A brief therefore scores at most `2 * WINDOW` candidates per term.

use std::cmp::Ordering;

use rayon::prelude::*;

use super::ids::Id;

/// How many related briefs a brief lists.
pub const RELATED: usize = 3;

/// How far, in places of a term's newest-first list, a term reaches for candidates. A term on
/// fewer than `WINDOW + 2` briefs proposes all of them.
pub const WINDOW: usize = 100;

/// What sharing a term filed on `df` of `n` briefs is worth, in millionths: ln(1 + n/df). A
/// term on every brief is worth ln 2, a term two briefs share on a site of a thousand ln 501.
/// Integers, so that a score does not depend on the order its terms are added in.
pub fn weight(n: usize, df: usize) -> u64 {
    ((1.0 + n as f64 / df.max(1) as f64).ln() * 1e6).round() as u64
}

/// `lists[t]` holds the briefs (ids below `n`, each once) filed under term `t`, newest first.
/// `prefer(a, b)` orders two briefs of equal score: `Less` puts `a` first. The result gives,
/// per brief, its related briefs, highest score first.
pub fn select<I, P>(n: usize, lists: &[&[I]], prefer: &P) -> Vec<Vec<I>>
where
    I: Id + Send + Sync,
    P: Fn(I, I) -> Ordering + Sync,
{
    select_within(n, lists, prefer, WINDOW).0
}

/// [`select`] with any window; also returns how many (brief, candidate) pairs were scored, the
/// work that once grew with the square of the site.
fn select_within<I, P>(n: usize, lists: &[&[I]], prefer: &P, window: usize) -> (Vec<Vec<I>>, usize)
where
    I: Id + Send + Sync,
    P: Fn(I, I) -> Ordering + Sync,
{
    // Per brief: (term, place in the term's list), by term, so two briefs' shared terms are a
    // merge of two short sorted runs; one flat table (`filed[start[b]..start[b + 1]]`) keeps
    // the runs of consecutive candidates close in memory.
    let mut start = vec![0usize; n + 1];
    for list in lists {
        for &b in *list {
            start[b.index() + 1] += 1;
        }
    }
    for b in 0..n {
        start[b + 1] += start[b];
    }
    let mut filed = vec![(0u32, 0u32); start[n]];
    let mut next = start.clone();
    for (t, list) in lists.iter().enumerate() {
        for (place, &b) in list.iter().enumerate() {
            let b = b.index();
            filed[next[b]] = (t as u32, place as u32);
            next[b] += 1;
        }
    }
    let terms_of = |b: usize| &filed[start[b]..start[b + 1]];
    let weights: Vec<u64> = lists.iter().map(|l| weight(n, l.len())).collect();
    let score = |a: &[(u32, u32)], b: usize| -> u64 {
        let fb = terms_of(b);
        let (mut i, mut j, mut sum) = (0, 0, 0);
        while i < a.len() && j < fb.len() {
            match a[i].0.cmp(&fb[j].0) {
                Ordering::Less => i += 1,
                Ordering::Greater => j += 1,
                Ordering::Equal => {
                    sum += weights[a[i].0 as usize];
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    };
    let (picks, scored) = (0..n)
        .into_par_iter()
        .map_init(
            // `seen[o] == b`: brief `o` is already scored for `b` (a brief may sit in the
            // window of several of b's terms). One buffer per worker, never cleared.
            || vec![usize::MAX; n],
            |seen, b| {
                let mut best: Vec<(u64, I)> = Vec::with_capacity(RELATED + 1);
                let mut scored = 0;
                let own = terms_of(b);
                for &(t, place) in own {
                    let (list, place) = (lists[t as usize], place as usize);
                    let near =
                        &list[place.saturating_sub(window)..list.len().min(place + window + 1)];
                    for &id in near {
                        let o = id.index();
                        if o == b || seen[o] == b {
                            continue;
                        }
                        seen[o] = b;
                        scored += 1;
                        offer(&mut best, (score(own, o), id), prefer);
                    }
                }
                (best.into_iter().map(|(_, o)| o).collect(), scored)
            },
        )
        .unzip::<_, _, Vec<_>, Vec<usize>>();
    (picks, scored.iter().sum())
}

/// Keeps `best` the top [`RELATED`] candidates, best first: higher score, then `prefer`.
fn offer<I: Copy, P>(best: &mut Vec<(u64, I)>, cand: (u64, I), prefer: &P)
where
    P: Fn(I, I) -> Ordering,
{
    let ahead = |x: &(u64, I), y: &(u64, I)| {
        x.0 > y.0 || (x.0 == y.0 && prefer(x.1, y.1) == Ordering::Less)
    };
    if best.len() == RELATED && !best.last().is_some_and(|w| ahead(&cand, w)) {
        return;
    }
    let at = best
        .iter()
        .position(|x| ahead(&cand, x))
        .unwrap_or(best.len());
    best.insert(at, cand);
    best.truncate(RELATED);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, pair by pair: a brief is a candidate for `b` when some term they share
    /// lists them within `window` places of each other; its score is the weight of all the
    /// terms they share.
    fn brute_force(
        n: usize,
        lists: &[&[usize]],
        prefer: &dyn Fn(usize, usize) -> Ordering,
        window: usize,
    ) -> Vec<Vec<usize>> {
        (0..n)
            .map(|b| {
                let mut all: Vec<(u64, usize)> = Vec::new();
                for o in (0..n).filter(|&o| o != b) {
                    let (mut total, mut near) = (0, false);
                    for list in lists {
                        let pb = list.iter().position(|&x| x == b);
                        let po = list.iter().position(|&x| x == o);
                        if let (Some(pb), Some(po)) = (pb, po) {
                            total += weight(n, list.len());
                            near |= pb.abs_diff(po) <= window;
                        }
                    }
                    if near {
                        all.push((total, o));
                    }
                }
                all.sort_by(|x, y| y.0.cmp(&x.0).then_with(|| prefer(x.1, y.1)));
                all.into_iter().take(RELATED).map(|(_, o)| o).collect()
            })
            .collect()
    }

    /// xorshift64: seeded, so a failing site can be rebuilt from its seed.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    #[test]
    fn index_matches_brute_force_on_random_sites() {
        for seed in 1..=400u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let n = 1 + rng.below(40);
            // A random newest-first order (with ties broken by id), and terms from rare to
            // filed on almost every brief, so windows both cut and do not cut.
            let rank: Vec<usize> = (0..n).map(|_| rng.below(n.div_ceil(2))).collect();
            let prefer = |a: usize, b: usize| rank[a].cmp(&rank[b]).then(a.cmp(&b));
            let mut lists: Vec<Vec<usize>> = (0..1 + rng.below(8))
                .map(|_| {
                    let density = 1 + rng.below(10);
                    (0..n).filter(|_| rng.below(10) < density).collect()
                })
                .collect();
            for l in &mut lists {
                l.sort_by(|&a, &b| prefer(a, b));
            }
            let lists: Vec<&[usize]> = lists.iter().map(|l| l.as_slice()).collect();
            for window in [1, 2, 5, WINDOW] {
                assert_eq!(
                    select_within(n, &lists, &prefer, window).0,
                    brute_force(n, &lists, &prefer, window),
                    "seed {seed}, window {window}, lists {lists:?}"
                );
            }
        }
    }

    #[test]
    fn rarer_shared_terms_outweigh_a_term_on_every_brief() {
        // Brief 0 shares the site-wide term 0 with everyone, and the rare term 1 with brief 3
        // only; brief 3 comes first although briefs 1 and 2 are preferred on ties.
        let all = [0, 1, 2, 3, 4];
        let rare = [0, 3];
        let picks = select(5, &[&all, &rare], &|a: usize, b: usize| a.cmp(&b));
        assert_eq!(picks[0], vec![3, 1, 2]);
        assert_eq!(picks[3], vec![0, 1, 2]);
        assert_eq!(picks[4], vec![0, 1, 2]);
    }

    /// Every brief on one term plus one of two others: eight times the briefs must score about
    /// eight times the pairs (all pairs, the old way, is sixty-four times), and no brief scores
    /// more than the windows of its terms hold.
    #[test]
    fn pairs_scored_grow_linearly_with_a_term_on_every_brief() {
        let scored = |n: usize| {
            let all: Vec<usize> = (0..n).collect();
            let even: Vec<usize> = (0..n).step_by(2).collect();
            let odd: Vec<usize> = (1..n).step_by(2).collect();
            let (picks, scored) = select_within(
                n,
                &[&all, &even, &odd],
                &|a: usize, b: usize| a.cmp(&b),
                WINDOW,
            );
            assert!(picks.iter().all(|p| p.len() == RELATED));
            assert!(
                scored <= n * 2 * 2 * WINDOW,
                "{scored} pairs for {n} briefs"
            );
            scored
        };
        let (small, large) = (scored(1000), scored(8000));
        assert!(
            large <= 9 * small,
            "{small} pairs for 1000 briefs, {large} for 8000"
        );
    }

    #[test]
    fn weight_falls_as_a_term_spreads() {
        assert!(weight(1000, 2) > weight(1000, 20));
        assert!(weight(1000, 20) > weight(1000, 1000));
        assert_eq!(weight(1000, 1000), 693_147);
    }
}
