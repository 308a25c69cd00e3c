//! Lists kept between simplifications on one thread, so that a small
//! query allocates none of its short lists again; a large one leaves only
//! a few short ones behind ([`KEPT`] lists of at most [`ROOM`] entries).

use super::across::Profile;
use super::arena::Id;
use super::intervals::NumSet;
use std::cell::RefCell;
use std::thread::LocalKey;

/// Most spare lists of one kind kept.
const KEPT: usize = 32;

/// Most room a spare list may keep.
const ROOM: usize = 64;

/// Spare lists of `T` on this thread.
pub(super) struct Spare<T: 'static>(&'static LocalKey<RefCell<Vec<Vec<T>>>>);

impl<T> Spare<T> {
    /// An empty list, with room if a spare one is left.
    pub(super) fn take(&self) -> Vec<T> {
        self.0
            .try_with(|kept| kept.try_borrow_mut().ok().and_then(|mut kept| kept.pop()))
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Keeps `list`'s room for a later [`Spare::take`], unless it has
    /// none or too much.
    pub(super) fn give(&self, mut list: Vec<T>) {
        if list.capacity() == 0 || list.capacity() > ROOM {
            return;
        }
        // Emptied before the cell is borrowed: dropping a `Profile` gives
        // its own lists back.
        list.clear();
        // `try_with`: a thread being torn down keeps nothing.
        let _ = self.0.try_with(|kept| {
            if let Ok(mut kept) = kept.try_borrow_mut()
                && kept.len() < KEPT
            {
                kept.push(list);
            }
        });
    }
}

thread_local! {
    static ID_LISTS: RefCell<Vec<Vec<Id>>> = const { RefCell::new(Vec::new()) };
    static NUMBER_LISTS: RefCell<Vec<Vec<NumSet>>> = const { RefCell::new(Vec::new()) };
    static PROFILE_LISTS: RefCell<Vec<Vec<Profile>>> = const { RefCell::new(Vec::new()) };
}

/// Lists of ids: terms, and a profile's plain filters and tag names.
pub(super) const IDS: Spare<Id> = Spare(&ID_LISTS);

/// A profile's sets of numbers.
pub(super) const NUMBERS: Spare<NumSet> = Spare(&NUMBER_LISTS);

/// The profiles of the terms compared across.
pub(super) const PROFILES: Spare<Profile> = Spare(&PROFILE_LISTS);
