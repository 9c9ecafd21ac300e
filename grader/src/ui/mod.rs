//! What the grader shows people, whatever it shows: styles and whether to colour, text
//! helpers, the progress line, and the watch mode's terminal. Knows nothing of courses or
//! reports.

mod progress;
mod style;
pub mod terminal;
pub mod text;

pub use progress::Progress;
pub use style::Style;
