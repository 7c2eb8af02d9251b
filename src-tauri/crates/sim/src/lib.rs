//! Simulators (being built)
