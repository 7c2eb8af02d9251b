//! Where rows come from.
pub mod apismith;
