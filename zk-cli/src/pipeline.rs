//! Many requests in flight at once, but not all of them: a window.
//!
//! The client submits a request when it is made, so making many before awaiting the first
//! reply pipelines them. Making a hundred thousand at once would not be faster, and their
//! deadlines would run out in the client's queue; [`map`] keeps [`WINDOW`] requests ahead of
//! the reply being awaited, and hands the replies back in the order of the items.

use std::collections::VecDeque;
use std::future::Future;

use zk_client_blocking::block_on;

/// How many requests (or pairs of them) are ahead of the reply awaited: below the client's
/// default in-flight limit (1024) even when each item makes two.
pub(crate) const WINDOW: usize = 500;

/// Each item with the output of the future `submit` made for it, in item order, with at most
/// [`WINDOW`] futures made and not yet awaited.
pub(crate) fn map<I, F, S>(
    items: impl IntoIterator<Item = I>,
    submit: S,
) -> Map<I, F, S, impl Iterator<Item = I>>
where
    F: Future,
    S: FnMut(&I) -> F,
{
    Map {
        items: items.into_iter(),
        submit,
        ahead: VecDeque::with_capacity(WINDOW),
    }
}

/// The iterator of [`map`].
pub(crate) struct Map<I, F, S, It> {
    items: It,
    submit: S,
    ahead: VecDeque<(I, F)>,
}

impl<I, F, S, It> Iterator for Map<I, F, S, It>
where
    F: Future,
    S: FnMut(&I) -> F,
    It: Iterator<Item = I>,
{
    type Item = (I, F::Output);

    fn next(&mut self) -> Option<(I, F::Output)> {
        while self.ahead.len() < WINDOW {
            let Some(item) = self.items.next() else {
                break;
            };
            let future = (self.submit)(&item);
            self.ahead.push_back((item, future));
        }
        let (item, future) = self.ahead.pop_front()?;
        Some((item, block_on(future)))
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[test]
    fn replies_come_in_order_with_a_bounded_window() {
        let made = Cell::new(0usize);
        let awaited = Cell::new(0usize);
        let results: Vec<(usize, usize)> = map(0..2000, |&i| {
            made.set(made.get() + 1);
            assert!(made.get() - awaited.get() <= WINDOW, "too many ahead");
            std::future::ready(i * 2)
        })
        .inspect(|_| awaited.set(awaited.get() + 1))
        .collect();
        assert_eq!(results.len(), 2000);
        assert!(results.iter().all(|(i, doubled)| *doubled == i * 2));
    }
}
