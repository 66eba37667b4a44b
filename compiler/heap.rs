//! The heap's first growth, for large projects.
//!
//! jemalloc, the binary's allocator (`main.rs`), takes its heap from the kernel in mappings of
//! growing sizes, 2, 2.5, 3, 3.5, 4, 5, 6, 7, 8, 10, 12 MB and on, and asks for transparent huge
//! pages on each (`thp:always`, `.cargo/config.toml`). A 2 MB huge page must lie whole inside
//! one mapping, and the kernel aligns a mapping to 2 MB only when its length is a whole number
//! of 2 MB (as Linux 6.18 does here): the 2.5, 3, 3.5, 5 and 7 MB mappings start in the middle of a huge
//! page and hold one or none, so most of a 1000-service build's heap (2 500 page faults,
//! 10 MB) was faulted in 4 KB pages, each zeroed and mapped on its own.
//!
//! A block of 6 MB aligned to 2 MB, taken and given back before the project is parsed, makes
//! jemalloc's next mapping 8 MB, and every later one a larger whole number of 2 MB, so that the
//! whole heap can be huge pages. The block is never written, so it costs no memory until the
//! heap reuses it. With another allocator it is one allocation and one free.

use std::sync::Once;

/// From this size on, a compose file makes a heap of tens of megabytes (about 40 for 1 MB).
/// Below it the heap stays within the first small mappings, and making it huge pages costs more
/// than it saves (measured: 100 services, 99 KB, 4% slower; 130 services, 128 KB, 3% faster;
/// 200 services 10%; 1000 services 4-11%, by the round).
const LARGE_FROM_BYTES: usize = 128 * 1024;

/// A block jemalloc can place only in a new mapping of at least its size plus its alignment,
/// 8 MB: past 7 MB, the last of its mapping sizes that is not a whole number of 2 MB. (Below
/// 8 MB, so that it comes from the heap's own arena and not from the one for huge blocks.)
#[repr(C, align(2097152))]
struct FirstGrowth([u8; 6 << 20]);

static GROWN: Once = Once::new();

/// Called with the size of each compose file as it is read; for the first large one, grows the
/// heap once in whole huge pages (see the module's text).
pub(crate) fn prepare_for(file_bytes: usize) {
    if file_bytes >= LARGE_FROM_BYTES {
        // `black_box`: the optimiser may otherwise drop an allocation that is never used.
        GROWN.call_once(|| drop(std::hint::black_box(Box::<FirstGrowth>::new_uninit())));
    }
}
