//! The graph in a real browser: headless Chromium driven over WebDriver
//! ([`webdriver`]), reading pages from a tiny local web server
//! ([`server`]).

pub mod server;
pub mod webdriver;
