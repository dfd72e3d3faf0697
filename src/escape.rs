//! Escaping of path components into folded-stack frames.
