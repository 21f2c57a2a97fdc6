//! Following a paged listing (objects, versions, multipart uploads, parts) to its end, guarded
//! against a server that never ends it.

use std::collections::HashSet;
use std::hash::Hash;

use super::error::S3Error;

/// More pages than any listing needs: a billion keys at 1,000 a page.
pub const MAX_PAGES: u64 = 1_000_000;

/// The markers of one paged listing: the one to ask the next page with, and every one seen.
#[derive(Debug)]
pub struct Pages<M> {
    next: Option<M>,
    /// Hashes of the markers seen: a server may send a million markers of a kilobyte each.
    seen: HashSet<u64>,
    hasher: std::collections::hash_map::RandomState,
    pages: u64,
    /// What is listed, for the error (`s3://bucket/prefix`).
    what: String,
}

impl<M: Clone + Eq + Hash> Pages<M> {
    /// From the first page, or from `start` (a retry after a failed page).
    pub fn new(what: impl Into<String>, start: Option<M>) -> Self {
        Self {
            next: start,
            seen: HashSet::new(),
            hasher: Default::default(),
            pages: 0,
            what: what.into(),
        }
    }

    /// The marker to ask the next page with (`None` for the first).
    pub fn marker(&self) -> Option<&M> {
        self.next.as_ref()
    }

    /// Takes in a page's answer: whether it said more follow, and the marker it named for them.
    /// `Ok(true)` to ask for the next page, `Ok(false)` at the end.
    ///
    /// A page that says "truncated" but names no marker, or the one it was asked with, ends the
    /// listing (some servers answer so on their last page). A marker seen earlier in the listing
    /// or more than [`MAX_PAGES`] pages is a server going round in circles: an error, not a
    /// listing taken for complete.
    pub fn advance(&mut self, truncated: bool, next: Option<M>) -> Result<bool, S3Error> {
        self.pages += 1;
        let Some(next) = next.filter(|_| truncated) else {
            return Ok(false);
        };
        if self.next.as_ref() == Some(&next) {
            return Ok(false);
        }
        use std::hash::BuildHasher;
        if let Some(current) = self.next.take() {
            self.seen.insert(self.hasher.hash_one(&current));
        }
        if self.seen.contains(&self.hasher.hash_one(&next)) || self.pages >= MAX_PAGES {
            return Err(S3Error::Other {
                what: self.what.clone(),
                detail: format!(
                    "the server's listing does not end (after {} pages it points back to a page \
                     it sent already)",
                    self.pages
                ),
            });
        }
        self.next = Some(next);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_follows_its_markers_to_the_last_page() {
        let mut pages = Pages::new("s3://b/", None);
        assert_eq!(pages.marker(), None);
        assert!(pages.advance(true, Some("a")).unwrap());
        assert_eq!(pages.marker(), Some(&"a"));
        assert!(pages.advance(true, Some("b")).unwrap());
        assert!(
            !pages.advance(false, Some("c")).unwrap(),
            "not truncated: the end"
        );
    }

    #[test]
    fn a_last_page_without_a_new_marker_ends_the_listing() {
        let mut pages = Pages::new("s3://b/", None);
        assert!(pages.advance(true, Some(1)).unwrap());
        assert!(!pages.advance(true, None).unwrap());
        let mut pages = Pages::new("s3://b/", Some(7));
        assert!(
            !pages.advance(true, Some(7)).unwrap(),
            "the same marker again"
        );
    }

    #[test]
    fn a_server_that_goes_round_in_circles_is_an_error() {
        let mut pages = Pages::new("s3://b/p/", None);
        assert!(pages.advance(true, Some("a")).unwrap());
        assert!(pages.advance(true, Some("b")).unwrap());
        let error = pages.advance(true, Some("a")).unwrap_err();
        assert!(error.to_string().contains("s3://b/p/"), "{error}");
        assert!(error.to_string().contains("does not end"), "{error}");
    }

    #[test]
    fn pages_are_capped() {
        let mut pages = Pages::new("s3://b/", None);
        for n in 1..MAX_PAGES {
            assert!(pages.advance(true, Some(n)).unwrap());
        }
        assert!(pages.advance(true, Some(MAX_PAGES)).is_err());
    }
}
