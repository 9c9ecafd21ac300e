//! The checks live in `tests/checks/`, one module per step of the exercise.
