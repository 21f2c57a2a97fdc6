//! The browser's selection as a file manager keeps it: a click selects one row, Ctrl/Cmd-click
//! adds or removes one, Shift-click and Shift-arrows extend from the anchor, arrows move the
//! cursor. Rows are named by their key (a folder by its prefix), so a selection survives sorting
//! and filtering; positions are rows as displayed. No egui here: plain `#[test]`s cover it.

use std::collections::BTreeSet;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    keys: BTreeSet<String>,
    /// Where Shift-click and Shift-arrows extend from.
    anchor: Option<usize>,
    /// The row the arrows move from, and the one Enter opens.
    cursor: Option<usize>,
}

/// How a click was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClickKind {
    /// Ctrl, or Cmd on macOS: toggle one row.
    pub toggle: bool,
    /// Shift: the range from the anchor.
    pub range: bool,
}

impl Selection {
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn contains(&self, key: &str) -> bool {
        self.keys.contains(key)
    }

    /// The selected keys and folder prefixes, in key order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.keys.iter()
    }

    pub fn cursor(&self) -> Option<usize> {
        self.cursor
    }

    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// Only `key`, at `index`.
    pub fn select_only(&mut self, index: usize, key: &str) {
        self.keys.clear();
        self.keys.insert(key.to_owned());
        self.anchor = Some(index);
        self.cursor = Some(index);
    }

    /// A click on the row `index`; `key_at` names the rows as displayed.
    pub fn click(
        &mut self,
        index: usize,
        kind: ClickKind,
        key_at: impl Fn(usize) -> Option<String>,
    ) {
        match (kind.range, kind.toggle, self.anchor) {
            (true, toggle, Some(anchor)) => {
                if !toggle {
                    self.keys.clear();
                }
                self.keys.extend(range(anchor, index).filter_map(&key_at));
                self.cursor = Some(index);
            }
            (false, true, _) => {
                if let Some(key) = key_at(index)
                    && !self.keys.remove(&key)
                {
                    self.keys.insert(key);
                }
                self.anchor = Some(index);
                self.cursor = Some(index);
            }
            _ => {
                if let Some(key) = key_at(index) {
                    self.select_only(index, &key);
                }
            }
        }
    }

    /// Every row displayed (Ctrl/Cmd-A).
    pub fn select_all(&mut self, len: usize, key_at: impl Fn(usize) -> Option<String>) {
        self.keys = (0..len).filter_map(key_at).collect();
        self.anchor = Some(0);
    }

    /// The cursor `delta` rows on (up is negative); with `extend`, the rows from the anchor to
    /// the cursor are the selection, otherwise the cursor's row alone.
    pub fn step(
        &mut self,
        delta: isize,
        len: usize,
        extend: bool,
        key_at: impl Fn(usize) -> Option<String>,
    ) {
        if len == 0 {
            return;
        }
        let next = match self.cursor {
            None if delta < 0 => len - 1,
            None => 0,
            Some(at) => at.saturating_add_signed(delta).min(len - 1),
        };
        self.cursor = Some(next);
        if extend {
            let anchor = *self.anchor.get_or_insert(next);
            self.keys = range(anchor, next).filter_map(key_at).collect();
        } else if let Some(key) = key_at(next) {
            self.select_only(next, &key);
        }
    }

    /// Keeps only the keys still listed (after a refresh or a move).
    pub fn retain(&mut self, listed: impl Fn(&str) -> bool) {
        self.keys.retain(|k| listed(k));
        if self.keys.is_empty() {
            self.anchor = None;
            self.cursor = None;
        }
    }
}

fn range(a: usize, b: usize) -> std::ops::RangeInclusive<usize> {
    a.min(b)..=a.max(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(i: usize) -> Option<String> {
        (i < 10).then(|| format!("k{i}"))
    }

    fn keys(s: &Selection) -> Vec<&str> {
        s.keys().map(String::as_str).collect()
    }

    #[test]
    fn click_ctrl_click_and_shift_click() {
        let mut s = Selection::default();
        s.click(2, ClickKind::default(), rows);
        assert_eq!(keys(&s), ["k2"]);
        s.click(
            5,
            ClickKind {
                range: true,
                toggle: false,
            },
            rows,
        );
        assert_eq!(keys(&s), ["k2", "k3", "k4", "k5"]);
        // Shift-click again from the same anchor shrinks the range.
        s.click(
            3,
            ClickKind {
                range: true,
                toggle: false,
            },
            rows,
        );
        assert_eq!(keys(&s), ["k2", "k3"]);
        s.click(
            8,
            ClickKind {
                range: false,
                toggle: true,
            },
            rows,
        );
        assert_eq!(keys(&s), ["k2", "k3", "k8"]);
        s.click(
            2,
            ClickKind {
                range: false,
                toggle: true,
            },
            rows,
        );
        assert_eq!(keys(&s), ["k3", "k8"]);
        s.click(7, ClickKind::default(), rows);
        assert_eq!(keys(&s), ["k7"]);
    }

    #[test]
    fn arrows_move_and_shift_arrows_extend() {
        let mut s = Selection::default();
        s.step(1, 10, false, rows);
        assert_eq!((keys(&s), s.cursor()), (vec!["k0"], Some(0)));
        s.step(1, 10, true, rows);
        s.step(1, 10, true, rows);
        assert_eq!(keys(&s), ["k0", "k1", "k2"]);
        s.step(-1, 10, false, rows);
        assert_eq!(keys(&s), ["k1"]);
        s.step(100, 10, false, rows);
        assert_eq!(s.cursor(), Some(9));
        s.select_all(10, rows);
        assert_eq!(s.len(), 10);
        s.retain(|k| k != "k4");
        assert_eq!(s.len(), 9);
    }
}
