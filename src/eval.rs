//! The reference evaluator. (Scaffold: the lowering helper replaces this file.)
