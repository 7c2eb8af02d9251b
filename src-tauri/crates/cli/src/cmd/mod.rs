//! One module per subcommand (the small pipeline ones share `misc`).

pub mod apply;
pub mod common;
pub mod failed;
pub mod hash;
pub mod misc;
pub mod normalize;
pub mod runs;
pub mod sync;
