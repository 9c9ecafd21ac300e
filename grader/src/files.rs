//! Walking a folder tree, the one way the grader does it: entries in name order (so that
//! what is listed, copied or compared is the same from one machine to the next), the
//! starting folder itself left out, symbolic links followed only when asked.

use std::path::Path;

/// Every entry under `dir`, depth first, sorted by name at each level.
pub fn walk(dir: &Path, follow_links: bool) -> walkdir::WalkDir {
    walkdir::WalkDir::new(dir)
        .min_depth(1)
        .follow_links(follow_links)
        .sort_by_file_name()
}
