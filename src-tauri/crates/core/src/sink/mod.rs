//! Where rows go.
pub mod schedulehub;
