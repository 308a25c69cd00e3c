//! The serialisable output. (Scaffold: the lowering helper replaces this file.)
