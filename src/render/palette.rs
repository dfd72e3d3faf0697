//! Language colours.
