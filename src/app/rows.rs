//! The rows of a listing as the table shows them: compact, sorted and filtered in place, so that
//! a prefix of a million keys scrolls as smoothly as one of ten.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::s3::listing::{ListPage, StorageClass};

/// One folder or object. Kept small: a listing may hold millions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The full key (for a folder, the common prefix with its trailing `/`).
    pub key: Box<str>,
    pub size_bytes: u64,
    pub modified_secs: i64,
    pub storage_class: StorageClass,
    pub is_folder: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SortKey {
    #[default]
    Name,
    Size,
    Modified,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

/// All loaded rows plus the order in which the table shows the ones that pass the filter.
#[derive(Debug, Default)]
pub struct RowStore {
    rows: Vec<Row>,
    /// Indices into `rows`: the visible rows, folders first, then by `sort`.
    order: Vec<u32>,
    sort: Sort,
    /// Lowercased filter; empty shows everything.
    filter: String,
    /// Characters of each key not shown (the prefix being browsed).
    name_offset: usize,
    pub object_count: u64,
    pub folder_count: u64,
    pub total_bytes: u64,
}

impl RowStore {
    pub fn new(name_offset: usize, sort: Sort) -> Self {
        Self {
            name_offset,
            sort,
            ..Self::default()
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Number of rows that pass the filter.
    pub fn visible_len(&self) -> usize {
        self.order.len()
    }

    /// The `i`-th visible row.
    pub fn visible(&self, i: usize) -> Option<&Row> {
        self.order.get(i).map(|&r| &self.rows[r as usize])
    }

    /// Position among visible rows of the row with this key.
    pub fn position_of(&self, key: &str) -> Option<usize> {
        self.order
            .iter()
            .position(|&r| &*self.rows[r as usize].key == key)
    }

    /// What the table shows as the name: the key relative to the browsed prefix.
    pub fn display_name<'a>(&self, row: &'a Row) -> &'a str {
        row.key.get(self.name_offset..).unwrap_or(&row.key)
    }

    pub fn sort(&self) -> Sort {
        self.sort
    }

    pub fn filter(&self) -> &str {
        &self.filter
    }

    pub fn clear(&mut self) {
        let (offset, sort, filter) = (
            self.name_offset,
            self.sort,
            std::mem::take(&mut self.filter),
        );
        *self = Self::new(offset, sort);
        self.filter = filter;
    }

    /// Adds a page. The new rows are sorted among themselves and merged into the visible order,
    /// which costs one pass over it rather than a full sort.
    pub fn append(&mut self, page: ListPage) {
        let start = self.rows.len();
        self.rows.reserve(page.prefixes.len() + page.objects.len());
        for prefix in page.prefixes {
            self.folder_count += 1;
            self.rows.push(Row {
                key: prefix.into_boxed_str(),
                size_bytes: 0,
                modified_secs: 0,
                storage_class: StorageClass::Standard,
                is_folder: true,
            });
        }
        for object in page.objects {
            // The `prefix/` marker of the folder being browsed is the folder itself, not a row.
            if object.key.len() == self.name_offset && object.key.ends_with('/') {
                continue;
            }
            self.object_count += 1;
            self.total_bytes += object.size_bytes;
            self.rows.push(Row {
                key: object.key.into_boxed_str(),
                size_bytes: object.size_bytes,
                modified_secs: object.last_modified_secs,
                storage_class: object.storage_class,
                is_folder: false,
            });
        }
        let mut fresh: Vec<u32> = (start..self.rows.len())
            .filter(|&i| self.passes(&self.rows[i]))
            .map(|i| i as u32)
            .collect();
        fresh.sort_unstable_by(|&a, &b| self.compare(a, b));
        self.merge(fresh);
    }

    fn merge(&mut self, fresh: Vec<u32>) {
        if fresh.is_empty() {
            return;
        }
        // The common case (S3 returns keys in name order): the whole page goes at the end.
        if self
            .order
            .last()
            .is_none_or(|&last| self.compare(last, fresh[0]) != Ordering::Greater)
        {
            self.order.extend(fresh);
            return;
        }
        let old = std::mem::take(&mut self.order);
        let mut merged = Vec::with_capacity(old.len() + fresh.len());
        let (mut i, mut j) = (0, 0);
        while i < old.len() && j < fresh.len() {
            if self.compare(old[i], fresh[j]) != Ordering::Greater {
                merged.push(old[i]);
                i += 1;
            } else {
                merged.push(fresh[j]);
                j += 1;
            }
        }
        merged.extend_from_slice(&old[i..]);
        merged.extend_from_slice(&fresh[j..]);
        self.order = merged;
    }

    pub fn set_sort(&mut self, sort: Sort) {
        if sort == self.sort {
            return;
        }
        self.sort = sort;
        let mut order = std::mem::take(&mut self.order);
        order.sort_unstable_by(|&a, &b| self.compare(a, b));
        self.order = order;
    }

    pub fn set_filter(&mut self, filter: &str) {
        let filter = filter.trim().to_lowercase();
        if filter == self.filter {
            return;
        }
        self.filter = filter;
        let mut order: Vec<u32> = (0..self.rows.len())
            .filter(|&i| self.passes(&self.rows[i]))
            .map(|i| i as u32)
            .collect();
        order.sort_unstable_by(|&a, &b| self.compare(a, b));
        self.order = order;
    }

    fn passes(&self, row: &Row) -> bool {
        if self.filter.is_empty() {
            return true;
        }
        let name = self.display_name(row);
        if name.is_ascii() && self.filter.is_ascii() {
            contains_ascii_case_insensitive(name.as_bytes(), self.filter.as_bytes())
        } else {
            name.to_lowercase().contains(&self.filter)
        }
    }

    fn compare(&self, a: u32, b: u32) -> Ordering {
        let (ra, rb) = (&self.rows[a as usize], &self.rows[b as usize]);
        let by_kind = rb.is_folder.cmp(&ra.is_folder);
        let by_field = match self.sort.key {
            SortKey::Name => Ordering::Equal,
            SortKey::Size => ra.size_bytes.cmp(&rb.size_bytes),
            SortKey::Modified => ra.modified_secs.cmp(&rb.modified_secs),
        };
        let by_field = by_field.then_with(|| ra.key.cmp(&rb.key));
        let by_field = if self.sort.descending {
            by_field.reverse()
        } else {
            by_field
        };
        by_kind.then(by_field)
    }
}

/// `needle` must already be lowercase.
fn contains_ascii_case_insensitive(haystack: &[u8], needle: &[u8]) -> bool {
    if needle.len() > haystack.len() {
        return false;
    }
    haystack.windows(needle.len()).any(|w| {
        w.iter()
            .zip(needle)
            .all(|(h, n)| h.to_ascii_lowercase() == *n)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::s3::listing::ObjectEntry;

    fn object(key: &str, size: u64, modified: i64) -> ObjectEntry {
        ObjectEntry {
            key: key.into(),
            size_bytes: size,
            last_modified_secs: modified,
            storage_class: StorageClass::Standard,
            etag: None,
        }
    }

    fn names(store: &RowStore) -> Vec<String> {
        (0..store.visible_len())
            .map(|i| store.display_name(store.visible(i).unwrap()).to_owned())
            .collect()
    }

    fn sample() -> RowStore {
        let mut s = RowStore::new("p/".len(), Sort::default());
        s.append(ListPage {
            prefixes: vec!["p/b/".into()],
            objects: vec![object("p/a.txt", 30, 3), object("p/C.bin", 10, 1)],
        });
        s.append(ListPage {
            prefixes: vec!["p/a/".into()],
            objects: vec![object("p/d.csv", 20, 2)],
        });
        s
    }

    #[test]
    fn folders_first_then_names_across_pages() {
        let s = sample();
        assert_eq!(names(&s), ["a/", "b/", "C.bin", "a.txt", "d.csv"]);
        assert_eq!((s.object_count, s.folder_count, s.total_bytes), (3, 2, 60));
    }

    #[test]
    fn sorts_by_size_and_date_both_ways() {
        let mut s = sample();
        s.set_sort(Sort {
            key: SortKey::Size,
            descending: false,
        });
        assert_eq!(names(&s), ["a/", "b/", "C.bin", "d.csv", "a.txt"]);
        s.set_sort(Sort {
            key: SortKey::Modified,
            descending: true,
        });
        assert_eq!(names(&s), ["b/", "a/", "a.txt", "d.csv", "C.bin"]);
        // New pages merge into the chosen order.
        s.append(ListPage {
            prefixes: vec![],
            objects: vec![object("p/e", 1, 5)],
        });
        assert_eq!(names(&s)[2], "e");
    }

    #[test]
    fn filter_is_case_insensitive_and_applies_to_new_pages() {
        let mut s = sample();
        s.set_filter("C");
        assert_eq!(names(&s), ["C.bin", "d.csv"]);
        s.append(ListPage {
            prefixes: vec!["p/csv/".into()],
            objects: vec![object("p/zz", 1, 1), object("p/ünïcödé-c", 1, 1)],
        });
        assert_eq!(names(&s), ["csv/", "C.bin", "d.csv", "ünïcödé-c"]);
        s.set_filter("");
        assert_eq!(s.visible_len(), 8);
        assert_eq!(s.position_of("p/zz"), Some(6));
    }

    #[test]
    fn clear_keeps_filter_and_sort() {
        let mut s = sample();
        s.set_filter("a");
        s.clear();
        assert!(s.is_empty());
        assert_eq!(s.filter(), "a");
        assert_eq!(s.object_count, 0);
    }
}
