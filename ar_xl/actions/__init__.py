"""Actions: a Book in, a Change out. The CLI, the ribbon and the tests all call these."""
